# Shared functions for make-samples.sh: network namespaces, captures, process bookkeeping.
# Sourced, not executed.  Requires root.

# Namespaces (all prefixed rv- so cleanup can find exactly ours).
NS_CLI=rv-cli      # the client under test
NS_RTR=rv-rtr      # router: forwarding + firewall + delaying relay
NS_SRV=rv-srv      # TLS servers
NS_RSP=rv-rsp      # OCSP responders, CRL/AIA web server, proxy, DNS
ALL_NS=("$NS_CLI" "$NS_RTR" "$NS_SRV" "$NS_RSP")

# Addresses (documentation ranges only).
CLI4=192.0.2.10;      CLI6=2001:db8:c::10
RTR_C4=192.0.2.1;     RTR_C6=2001:db8:c::1
RTR_S4=198.51.100.1;  RTR_S6=2001:db8:5::1
RTR_R4=203.0.113.1;   RTR_R6=2001:db8:3::1
WWW4=198.51.100.10;   WWW6=2001:db8:5::10   # www / api / staple / revoked servers
ALT4=198.51.100.11;   ALT6=2001:db8:5::11   # second server address
OCSP4=203.0.113.20;   OCSP6=2001:db8:3::20  # ocsp.pki.example
WEB4=203.0.113.30;    WEB6=2001:db8:3::30   # crl.pki.example, aia.pki.example
DNS4=203.0.113.53;    DNS6=2001:db8:3::53   # dnsmasq
PROXY4=203.0.113.80                           # proxy.pki.example (tinyproxy)

PIDS=()            # background processes we started (their own PIDs)

log() { printf '[samples %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# bg NS LOGFILE CMD... : start CMD inside NS in the background, remember its PID.
bg() {
  local ns=$1 logf=$2; shift 2
  ip netns exec "$ns" "$@" >"$logf" 2>&1 &
  BG_PID=$!
  PIDS+=("$BG_PID")
}

# stop_pid PID : end one process we started and wait for it.
stop_pid() {
  local p=$1
  kill "$p" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}

# wait_listen NS PROTO(tcp|udp) PORT : wait until something listens on PORT inside NS.
wait_listen() {
  local ns=$1 proto=$2 port=$3 opt=-ltnH
  [[ $proto == udp ]] && opt=-lunH
  for _ in $(seq 100); do
    if in_ns "$ns" ss $opt "sport = :$port" | grep -q .; then return 0; fi
    sleep 0.05
  done
  die "nothing listens on $proto/$port in $ns"
}

stop_all_bg() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.2
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  PIDS=()
}

teardown_net() {
  local ns p
  stop_all_bg
  for ns in "${ALL_NS[@]}"; do
    if [[ -e /run/netns/$ns ]]; then
      # Anything still running inside our own namespaces was started by this script.
      for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
      ip netns del "$ns" 2>/dev/null || true
    fi
    rm -rf "/etc/netns/$ns"
    rmdir /etc/netns 2>/dev/null || true   # only if empty, i.e. nothing but ours was there
  done
}

# veth NS_A IF_A MAC_A NS_B IF_B MAC_B
veth() {
  ip link add "$2" netns "$1" address "$3" type veth peer name "$5" netns "$4" address "$6"
  local ns ifc
  for pair in "$1 $2" "$4 $5"; do
    read -r ns ifc <<<"$pair"
    # Software checksums and no segmentation offload: frames look like a real wire.
    in_ns "$ns" ethtool -K "$ifc" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
    in_ns "$ns" sysctl -qw "net.ipv6.conf.$ifc.accept_dad=0" "net.ipv6.conf.$ifc.router_solicitations=0" \
      "net.ipv6.conf.$ifc.accept_ra=0"
    in_ns "$ns" ip link set "$ifc" up
  done
}

setup_net() {
  teardown_net
  local ns
  for ns in "${ALL_NS[@]}"; do
    ip netns add "$ns"
    in_ns "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
      net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.default.accept_ra=0
    in_ns "$ns" ip link set lo up
    mkdir -p "/etc/netns/$ns"
    printf 'nameserver %s\noptions timeout:2 attempts:2\n' "$DNS4" >"/etc/netns/$ns/resolv.conf"
    printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >"/etc/netns/$ns/hosts"
  done
  veth "$NS_CLI" eth0 02:00:00:c0:00:10  "$NS_RTR" c0 02:00:00:c0:00:01
  veth "$NS_SRV" eth0 02:00:00:51:00:10  "$NS_RTR" s0 02:00:00:51:00:01
  veth "$NS_RSP" eth0 02:00:00:13:00:20  "$NS_RTR" r0 02:00:00:13:00:01

  in_ns "$NS_RTR" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  in_ns "$NS_RTR" ip addr add $RTR_C4/24 dev c0;  in_ns "$NS_RTR" ip addr add $RTR_C6/64 dev c0 nodad
  in_ns "$NS_RTR" ip addr add $RTR_S4/24 dev s0;  in_ns "$NS_RTR" ip addr add $RTR_S6/64 dev s0 nodad
  in_ns "$NS_RTR" ip addr add $RTR_R4/24 dev r0;  in_ns "$NS_RTR" ip addr add $RTR_R6/64 dev r0 nodad

  in_ns "$NS_CLI" ip addr add $CLI4/24 dev eth0;  in_ns "$NS_CLI" ip addr add $CLI6/64 dev eth0 nodad
  in_ns "$NS_CLI" ip route add default via $RTR_C4; in_ns "$NS_CLI" ip -6 route add default via $RTR_C6

  local a
  for a in $WWW4 $ALT4; do in_ns "$NS_SRV" ip addr add $a/24 dev eth0; done
  for a in $WWW6 $ALT6; do in_ns "$NS_SRV" ip addr add $a/64 dev eth0 nodad; done
  in_ns "$NS_SRV" ip route add default via $RTR_S4; in_ns "$NS_SRV" ip -6 route add default via $RTR_S6

  for a in $OCSP4 $WEB4 $DNS4 $PROXY4; do in_ns "$NS_RSP" ip addr add $a/24 dev eth0; done
  for a in $OCSP6 $WEB6 $DNS6; do in_ns "$NS_RSP" ip addr add $a/64 dev eth0 nodad; done
  in_ns "$NS_RSP" ip route add default via $RTR_R4; in_ns "$NS_RSP" ip -6 route add default via $RTR_R6

  # Loopback with a link-like MTU and no offloads (for anything captured on lo).
  for ns in "${ALL_NS[@]}"; do
    in_ns "$ns" ip link set lo mtu 1500
    in_ns "$ns" ethtool -K lo tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
  done
  start_dns
}

start_dns() {
  cat >"$WORK/dns-hosts" <<HOSTS
$WWW4 www.revo.example api.revo.example staple.revo.example revoked.revo.example legacy.revo.example crl.revo.example crlrev.revo.example unknown.revo.example expired.revo.example future.revo.example
$ALT4 alt.revo.example
$ALT6 alt.revo.example
$OCSP4 ocsp.pki.example
$WEB4 crl.pki.example aia.pki.example
$PROXY4 proxy.pki.example
$DNS4 ns.pki.example
HOSTS
  bg "$NS_RSP" "$WORK/dnsmasq.log" dnsmasq --keep-in-foreground --no-resolv --no-hosts --no-poll \
    --addn-hosts="$WORK/dns-hosts" --local=/example/ --domain-needed --bind-interfaces \
    --listen-address=$DNS4 --listen-address=$DNS6 --except-interface=lo --port=53 --user=root \
    --pid-file= --log-facility=- --cache-size=0
  DNS_PID=$BG_PID
  wait_listen "$NS_RSP" udp 53
}

# Router firewall.
fw_flush() {
  in_ns "$NS_RTR" iptables -F FORWARD; in_ns "$NS_RTR" iptables -t nat -F PREROUTING
  in_ns "$NS_RTR" ip6tables -F FORWARD
}

# capture_start FILE [NS] [IFACE] [FILTER...] ; capture_stop
capture_start() {
  CAP_FILE=$1; local ns=${2:-$NS_CLI} ifc=${3:-eth0}; shift 3 || shift $#
  # MLDv2 reports are link noise; everything else on the link is kept.
  (( $# )) || set -- not ip6 dst ff02::16
  rm -f "$CAP_FILE"
  CAP_LOG=$WORK/tcpdump.$(basename "$CAP_FILE").log
  ip netns exec "$ns" tcpdump -i "$ifc" -B 8192 --immediate-mode -U -Z root -w "$CAP_FILE" "$@" >"$CAP_LOG" 2>&1 &
  CAP_PID=$!
  for _ in $(seq 100); do grep -q 'listening on' "$CAP_LOG" && break; sleep 0.05; done
  sleep 0.3
}

capture_stop() {
  sleep ${1:-0.5}
  kill -INT "$CAP_PID"; wait "$CAP_PID" || true
  local dropped
  dropped=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$CAP_LOG")
  [[ $dropped == 0 ]] || die "tcpdump dropped $dropped packets for $CAP_FILE: $(cat "$CAP_LOG")"
  log "captured $(basename "$CAP_FILE"): $(sed -n 's/ packets captured//p' "$CAP_LOG") packets"
  chmod 644 "$CAP_FILE"
}

# End every background process of the last scenario but keep the DNS server.
stop_all_bg_except_dns() {
  local p keep=()
  for p in "${PIDS[@]}"; do
    if [[ $p == "$DNS_PID" ]]; then keep+=("$p"); else stop_pid "$p"; fi
  done
  PIDS=("${keep[@]}")
}
