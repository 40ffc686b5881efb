# Scenario definitions: one function sc_NN_name per capture samples/NN-name.pcap.
# Sourced by make-samples.sh, which runs them in name order with a clean firewall.

cap_file() { echo "$OUT/${CUR//_/-}.pcap"; }
start_cap() { capture_start "$(cap_file)" "${1:-$NS_CLI}" eth0; }

# ---------------------------------------------------------------- healthy

sc_01_tls12_staple_good() {
  ocsp_offline www ocsp "$WORK/www-good.der" -ndays 7
  s_server_start www 443 -status_file "$WORK/www-good.der"
  start_cap
  tls_client www.revo.example 443 -tls1_2
  capture_stop
}

sc_02_nginx_stapling_good() {
  # nginx fetches its own staple by GET on first use; captured on the server's link so that
  # the server-side fetch and both client handshakes are in one file.
  ocsp_responder_start ocsp "" -ndays 7
  nginx_start "$NS_SRV" stapling <<CONF
  server {
    listen $WWW4:443 ssl;
    server_name www.revo.example;
    ssl_certificate $PKI/www.chain.pem;
    ssl_certificate_key $PKI/www.key;
    ssl_stapling on;
    ssl_stapling_verify on;
    ssl_trusted_certificate $PKI/ca-chain.pem;
    resolver $DNS4 ipv6=off;
    location / { return 200 "hello from www\n"; }
  }
CONF
  start_cap "$NS_SRV"
  tls_client www.revo.example 443 -tls1_2
  sleep 1.5
  tls_client www.revo.example 443 -tls1_2
  capture_stop
}

sc_03_tls13_staple_good() {
  ocsp_offline www ocsp "$WORK/www-good.der" -ndays 7
  s_server_start www 443 -status_file "$WORK/www-good.der"
  start_cap
  rm -f "$OUT/${CUR//_/-}.keylog"
  tls_client www.revo.example 443 -tls1_3 -keylogfile "$OUT/${CUR//_/-}.keylog"
  capture_stop
  chmod 644 "$OUT/${CUR//_/-}.keylog"
}

# The server does not staple; the client then asks the responder itself (POST, with a nonce).
sc_04_ocsp_post_good() {
  ocsp_responder_start ocsp "" -ndays 7
  s_server_start www 443
  start_cap
  tls_client www.revo.example 443 -tls1_2
  ocsp_client www 10
  capture_stop
}

# GET form (RFC 6960 A.1): base64 of the DER request, URL-encoded, in the path.  curl does the
# GET; nginx on ocsp.pki.example:80 proxies to the openssl responder on 127.0.0.1:8080 (as
# CDNs in front of real responders do; nginx also adds a Date header).
ocsp_get_url() {
  openssl ocsp -issuer "$PKI/intermediate.pem" -cert "$PKI/$1.pem" -no_nonce -reqout "$WORK/get-req.der" >/dev/null 2>&1
  local b64; b64=$(openssl base64 -A -in "$WORK/get-req.der")
  b64=${b64//+/%2B}; b64=${b64//\//%2F}; b64=${b64//=/%3D}
  echo "http://ocsp.pki.example/$b64"
}
sc_05_ocsp_get_good() {
  OCSP_PORT=8080 ocsp_responder_start ocsp "" -ndays 7
  nginx_start "$NS_RSP" ocspfront <<CONF
  server {
    listen $OCSP4:80;
    server_name ocsp.pki.example;
    location / { proxy_pass http://127.0.0.1:8080; proxy_http_version 1.0; }
  }
CONF
  s_server_start www 443
  local url; url=$(ocsp_get_url www)
  start_cap
  tls_client www.revo.example 443 -tls1_2
  in_ns "$NS_CLI" timeout 10 curl -sS -o "$WORK/get-resp.der" -w '%{http_code} %{content_type}\n' "$url" >>"$WORK/clients.log" 2>&1 || true
  capture_stop
  openssl ocsp -respin "$WORK/get-resp.der" -issuer "$PKI/intermediate.pem" -cert "$PKI/www.pem" -CAfile "$PKI/root.pem" >>"$WORK/clients.log" 2>&1 || true
}

sc_06_ocsp_proxy_good() {
  ocsp_responder_start ocsp "" -ndays 7
  tinyproxy_start <<<"Allow 192.0.2.0/24"
  s_server_start www 443
  start_cap
  tls_client www.revo.example 443 -tls1_2
  ocsp_client www 10 -proxy proxy.pki.example:3128
  capture_stop
}

# ---------------------------------------------------------------- blocked on the path

# Handshake without a staple, then a POST check that the router's firewall stops.
blocked_check() {
  local rule=("$@")
  ocsp_responder_start ocsp "" -ndays 7
  s_server_start www 443
  in_ns "$NS_RTR" iptables -A FORWARD -i c0 -p tcp -d $OCSP4 --dport 80 "${rule[@]}"
  start_cap
  tls_client www.revo.example 443 -tls1_2
  ocsp_client www 7.5
  capture_stop
}
sc_10_ocsp_drop()       { blocked_check -j DROP; }
sc_11_ocsp_reset()      { blocked_check -j REJECT --reject-with tcp-reset; }
sc_12_ocsp_icmp_port()  { blocked_check -j REJECT --reject-with icmp-port-unreachable; }
sc_13_ocsp_icmp_admin() { blocked_check -j REJECT --reject-with icmp-admin-prohibited; }

sc_14_ocsp_nxdomain() {
  # legacy.revo.example names http://ocsp-old.pki.example/ in its AIA; that name is not in DNS.
  ocsp_responder_start ocsp "" -ndays 7
  s_server_start legacy 443
  start_cap
  tls_client legacy.revo.example 443 -tls1_2
  OCSP_URL=http://ocsp-old.pki.example/ ocsp_client legacy 10
  capture_stop
}

sc_15_proxy_403() {
  ocsp_responder_start ocsp "" -ndays 7
  tinyproxy_start <<<"Allow 127.0.0.1"           # the client's network is not allowed
  s_server_start www 443
  start_cap
  tls_client www.revo.example 443 -tls1_2
  ocsp_client www 10 -proxy proxy.pki.example:3128
  capture_stop
}

sc_16_proxy_407() {
  ocsp_responder_start ocsp "" -ndays 7
  tinyproxy_start <<CONF
Allow 192.0.2.0/24
BasicAuth revo s3cret
CONF
  s_server_start www 443
  local url; url=$(ocsp_get_url www)
  start_cap
  tls_client www.revo.example 443 -tls1_2
  # GET form through the proxy.  (tinyproxy resets a POST it refuses before its page is out, since
  # it never reads the request body; with a GET the whole 407 page arrives.)
  in_ns "$NS_CLI" timeout 10 curl -sS -x http://proxy.pki.example:3128 -o "$WORK/proxy-resp.bin" \
    -w '%{http_code} %{content_type}\n' "$url" >>"$WORK/clients.log" 2>&1 || true
  capture_stop
}

sc_17_captive_portal() {
  mkdir -p "$WORK/portal"
  cat >"$WORK/portal/portal.html" <<'HTML'
<!DOCTYPE html>
<html><head><title>Guest network - sign in</title></head>
<body><h1>Welcome to the guest network</h1>
<p>Please accept the terms of use to continue.</p>
<form method="post" action="http://portal.guest.example/accept"><button>Accept and connect</button></form>
</body></html>
HTML
  nginx_start "$NS_RSP" portal < <(nginx_fixed_server $OCSP4:80 "$WORK/portal/portal.html" "text/html")
  s_server_start www 443
  start_cap
  tls_client www.revo.example 443 -tls1_2
  ocsp_client www 10
  capture_stop
}

sc_18_ocsp_slow() {
  # Router redirects the client's connections to ocsp.pki.example:80 into a relay that holds the
  # responder's answer back for 3.5 s.
  ocsp_responder_start ocsp "" -ndays 7
  bg "$NS_RTR" "$WORK/relay.log" python3 "$HERE/lib/delay_relay.py" 0.0.0.0 9080 $OCSP4 80 3.5
  wait_listen "$NS_RTR" tcp 9080
  in_ns "$NS_RTR" iptables -t nat -A PREROUTING -i c0 -p tcp -d $OCSP4 --dport 80 -j REDIRECT --to-ports 9080
  s_server_start www 443
  start_cap
  tls_client www.revo.example 443 -tls1_2
  ocsp_client www 15
  capture_stop
}

# A bare OCSPResponse carrying only a non-successful responseStatus (RFC 6960 4.2.1).
ocsp_status_only() {
  printf 'asn1=SEQUENCE:resp\n[resp]\nstatus=ENUMERATED:%d\n' "$1" >"$WORK/status.cnf"
  openssl asn1parse -genconf "$WORK/status.cnf" -out "$2" -noout
}
fixed_responder_check() {
  local file=$1
  nginx_start "$NS_RSP" fixed < <(nginx_fixed_server $OCSP4:80 "$file" "application/ocsp-response")
  s_server_start www 443
  start_cap
  tls_client www.revo.example 443 -tls1_2
  ocsp_client www 10
  capture_stop
}
sc_19_ocsp_trylater()     { mkdir -p "$WORK/fixed"; ocsp_status_only 3 "$WORK/fixed/trylater.der";     fixed_responder_check "$WORK/fixed/trylater.der"; }
sc_20_ocsp_unauthorized() { mkdir -p "$WORK/fixed"; ocsp_status_only 6 "$WORK/fixed/unauthorized.der"; fixed_responder_check "$WORK/fixed/unauthorized.der"; }

# Real responder signing with a delegated certificate that the client must refuse.
signer_check() {
  ocsp_responder_start "$1" "" -ndays 7
  s_server_start www 443
  start_cap
  tls_client www.revo.example 443 -tls1_2
  ocsp_client www 10
  capture_stop
}
sc_21_signer_expired()   { signer_check ocsp-expired; }
sc_22_signer_no_eku()    { signer_check ocsp-noeku; }
sc_23_signer_untrusted() { signer_check ocsp-rogue; }

# flip_signature IN OUT: copy of a real response with one byte of the signature value inverted.
flip_signature() {
  python3 - "$1" "$2" <<'PY'
import sys

def tlv(buf, pos):
    """Returns (tag, content_start, content_end) of the DER element at pos."""
    tag = buf[pos]; n = buf[pos + 1]; pos += 2
    if n & 0x80:
        k = n & 0x7F; n = int.from_bytes(buf[pos:pos + k], 'big'); pos += k
    return tag, pos, pos + n

def children(buf, start, end):
    while start < end:
        t = tlv(buf, start); yield t; start = t[2]

data = bytearray(open(sys.argv[1], 'rb').read())
_, s, e = tlv(data, 0)                                  # OCSPResponse
rb = [c for c in children(data, s, e) if c[0] == 0xA0][0]  # [0] responseBytes
rbseq = next(children(data, rb[1], rb[2]))
octets = list(children(data, rbseq[1], rbseq[2]))[1]    # response OCTET STRING
basic = next(children(data, octets[1], octets[2]))      # BasicOCSPResponse
sig = list(children(data, basic[1], basic[2]))[2]       # signature BIT STRING
assert sig[0] == 0x03
data[sig[1] + 100] ^= 0xFF
open(sys.argv[2], 'wb').write(bytes(data))
PY
}
sc_24_staple_bad_signature() {
  ocsp_offline www ocsp "$WORK/www-good.der" -ndays 7
  flip_signature "$WORK/www-good.der" "$WORK/www-badsig.der"
  s_server_start www 443 -status_file "$WORK/www-badsig.der"
  start_cap
  tls_client www.revo.example 443 -tls1_2
  capture_stop
}

sc_25_staple_certid_mismatch() {
  # www's server staples a (valid, good) response about api.revo.example's serial 0x1002.
  ocsp_offline api ocsp "$WORK/api-good.der" -ndays 7
  s_server_start www 443 -status_file "$WORK/api-good.der"
  start_cap
  tls_client www.revo.example 443 -tls1_2
  capture_stop
}

sc_26_ocsp_nonce_mismatch() {
  # The client sends a fresh nonce; the answer served is a real signed response to an earlier
  # request that carried another nonce (a replaying cache in front of the responder).
  mkdir -p "$WORK/fixed"
  openssl ocsp -issuer "$PKI/intermediate.pem" -cert "$PKI/www.pem" -reqout "$WORK/nonce-req.der" >/dev/null 2>&1
  openssl ocsp -index "$PKI/int/index.txt" -CA "$PKI/intermediate.pem" -rsigner "$PKI/ocsp.pem" -rkey "$PKI/ocsp.key" \
    -reqin "$WORK/nonce-req.der" -respout "$WORK/fixed/other-nonce.der" -ndays 7 >/dev/null 2>&1
  fixed_responder_check "$WORK/fixed/other-nonce.der"
}

sc_27_ocsp_revoked() {
  ocsp_responder_start ocsp "" -ndays 7
  s_server_start revoked 443
  start_cap
  tls_client revoked.revo.example 443 -tls1_2
  ocsp_client revoked 10
  capture_stop
}

sc_28_ocsp_stale() {
  # Responder clock three days back and one-day validity: nextUpdate is two days before capture.
  ocsp_responder_start ocsp "-3d" -ndays 1
  s_server_start www 443
  start_cap
  tls_client www.revo.example 443 -tls1_2
  ocsp_client www 10
  capture_stop
}

sc_29_ocsp_not_yet_valid() {
  # Responder clock one day ahead: thisUpdate/producedAt lie a day after the capture.
  ocsp_responder_start ocsp "+1d" -ndays 7
  s_server_start www 443
  start_cap
  tls_client www.revo.example 443 -tls1_2
  ocsp_client www 10
  capture_stop
}

sc_30_clock_behind() {
  # Not a new recording: 05-ocsp-get-good.pcap with every timestamp moved back 2 h 03 min, as
  # written by a capture host whose clock is behind.
  local src=$OUT/05-ocsp-get-good.pcap
  [[ -s $src ]] || die "05-ocsp-get-good.pcap must be made first"
  editcap -t -7380 "$src" "$(cap_file)"
  chmod 644 "$(cap_file)"
}

sc_31_chain_incomplete() {
  ocsp_offline www ocsp "$WORK/www-good.der" -ndays 7
  s_server_start www 443 -nochain -status_file "$WORK/www-good.der"
  start_cap
  in_ns "$NS_CLI" timeout 10 curl -sS --tls-max 1.2 --cert-status --cacert "$PKI/root.pem" https://www.revo.example/ -o /dev/null \
    >>"$WORK/clients.log" 2>&1 || true
  capture_stop
}

sc_32_must_staple_missing() {
  # staple.revo.example carries the TLS Feature status_request; its server does not staple.
  s_server_start staple 443
  start_cap
  tls_client staple.revo.example 443 -tls1_2
  # gnutls-cli honours the TLS Feature extension.
  in_ns "$NS_CLI" timeout 10 gnutls-cli --ocsp --priority NORMAL:-VERS-TLS1.3 --x509cafile "$PKI/root.pem" -p 443 \
    staple.revo.example </dev/null >>"$WORK/clients.log" 2>&1 || true
  capture_stop
}

sc_33_gnutls_revoked_staple_alert() {
  # The server staples a real "revoked" response for its own certificate; gnutls-cli aborts.
  ocsp_offline revoked ocsp "$WORK/revoked.der" -ndays 7
  s_server_start revoked 443 -status_file "$WORK/revoked.der"
  start_cap
  in_ns "$NS_CLI" timeout 10 gnutls-cli --ocsp --priority NORMAL:-VERS-TLS1.3 --x509cafile "$PKI/root.pem" -p 443 revoked.revo.example \
    </dev/null >>"$WORK/clients.log" 2>&1 || true
  capture_stop
}

# ---------------------------------------------------------------- busy link

sc_34_busy_mixed() {
  # Dozens of overlapping handshakes and checks, some broken, on IPv4 and IPv6, standard and
  # non-standard ports, with DNS and unrelated plain HTTP in between.
  ocsp_offline www ocsp "$WORK/busy-www.der" -ndays 7
  ocsp_offline alt ocsp "$WORK/busy-alt.der" -ndays 7
  ocsp_offline revoked ocsp "$WORK/busy-revoked.der" -ndays 7
  ocsp_responder_start ocsp "" -ndays 7
  nginx_start "$NS_SRV" busy <<CONF
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_stapling on;
  server {   # www: good staple
    listen $WWW4:443 ssl;
    ssl_certificate $PKI/www.chain.pem; ssl_certificate_key $PKI/www.key;
    ssl_stapling_file $WORK/busy-www.der;
    location / { return 200 "www\n"; }
  }
  server {   # alt: dual stack, good staple
    listen $ALT4:443 ssl; listen [$ALT6]:443 ssl;
    ssl_certificate $PKI/alt.chain.pem; ssl_certificate_key $PKI/alt.key;
    ssl_stapling_file $WORK/busy-alt.der;
    location / { return 200 "alt\n"; }
  }
  server {   # alt on a non-standard port, no staple
    listen $ALT4:8443 ssl; listen [$ALT6]:8443 ssl;
    ssl_certificate $PKI/alt.chain.pem; ssl_certificate_key $PKI/alt.key;
    ssl_stapling off;
    location / { return 200 "alt 8443\n"; }
  }
  server {   # revoked certificate with its real revoked staple
    listen $WWW4:9443 ssl;
    ssl_certificate $PKI/revoked.chain.pem; ssl_certificate_key $PKI/revoked.key;
    ssl_stapling_file $WORK/busy-revoked.der;
    location / { return 200 "revoked\n"; }
  }
  server {   # must-staple certificate, no staple
    listen $WWW4:10443 ssl;
    ssl_certificate $PKI/staple.chain.pem; ssl_certificate_key $PKI/staple.key;
    ssl_stapling off;
    location / { return 200 "staple\n"; }
  }
  server {   # leaf only, intermediate missing
    listen $WWW4:4443 ssl;
    ssl_certificate $PKI/www.pem; ssl_certificate_key $PKI/www.key;
    ssl_stapling_file $WORK/busy-www.der;
    location / { return 200 "www 4443\n"; }
  }
  server {   # unrelated plain HTTP
    listen $WWW4:80;
    location / { return 200 "plain page\n"; }
  }
CONF
  in_ns "$NS_RTR" iptables -A FORWARD -i c0 -p tcp -d $WEB4 --dport 80 -j DROP
  local logd=$WORK/busy; rm -rf "$logd"; mkdir -p "$logd"
  local i=0 pids=()
  run() {   # run SLEEP CMD...: one client in the background, started SLEEP seconds from now
    local d=$1; shift; i=$((i + 1))
    ( sleep "$d"; ip netns exec "$NS_CLI" timeout 8 "$@" </dev/null >"$logd/$i.log" 2>&1 ) &
    pids+=($!)
  }
  local CA=(-CAfile "$PKI/root.pem") k
  start_cap
  for k in 0 1 2 3 4 5 6 7 8 9; do
    if (( k % 2 )); then v=-tls1_3; else v=-tls1_2; fi
    run 0.$k openssl s_client -connect www.revo.example:443 -servername www.revo.example -status "${CA[@]}" $v
  done
  for k in 0 1 2; do
    run 0.2$k curl -4 -sS --cert-status --cacert "$PKI/root.pem" https://alt.revo.example/
    run 0.3$k curl -6 -sS --cert-status --cacert "$PKI/root.pem" https://alt.revo.example/
    run 0.4$k openssl s_client -connect "$ALT4:8443" -servername alt.revo.example -status "${CA[@]}"
    run 0.5$k openssl s_client -connect "[$ALT6]:8443" -servername alt.revo.example -status "${CA[@]}" -tls1_2
  done
  for k in 0 1 2 3; do
    run 0.6$k gnutls-cli --ocsp --priority NORMAL:-VERS-TLS1.3 --x509cafile "$PKI/root.pem" -p 9443 revoked.revo.example
    run 0.7$k curl -sS --tls-max 1.2 --cert-status --cacert "$PKI/root.pem" https://staple.revo.example:10443/
    run 0.8$k curl -sS --tls-max 1.2 --cert-status --cacert "$PKI/root.pem" https://www.revo.example:4443/
  done
  for k in 0 1 2 3 4 5; do
    run 1.$k openssl ocsp -issuer "$PKI/intermediate.pem" -cert "$PKI/www.pem" -url http://ocsp.pki.example/ "${CA[@]}"
  done
  run 1.05 openssl ocsp -issuer "$PKI/intermediate.pem" -cert "$PKI/legacy.pem" -url http://ocsp-old.pki.example/ "${CA[@]}"
  run 1.15 openssl ocsp -issuer "$PKI/intermediate.pem" -cert "$PKI/legacy.pem" -url http://ocsp-old.pki.example/ "${CA[@]}"
  run 1.25 curl -sS -m 3 -o /dev/null http://crl.pki.example/int.crl
  run 1.35 curl -sS -m 3 -o /dev/null http://crl.pki.example/int.crl
  for k in 0 1 2 3 4; do
    run 0.$((k * 2 + 1))5 curl -sS -o /dev/null http://www.revo.example/
    run 1.$((k * 2))5 getent ahosts api.revo.example
  done
  local p; for p in "${pids[@]}"; do wait "$p" || true; done
  capture_stop
  cat "$logd"/*.log >>"$WORK/clients.log"
}

# ---------------------------------------------------------------- no answer, unknown, leaf validity

sc_35_ocsp_no_response() {
  # Something listens on ocsp.pki.example:80 and reads the request, but never answers (a hung
  # responder behind a load balancer that still accepts connections).  openssl ocsp gives up
  # after its -timeout of 5 s and closes.
  bg "$NS_RSP" "$WORK/silent-responder.log" python3 "$HERE/lib/silent_responder.py" $OCSP4 80
  wait_listen "$NS_RSP" tcp 80
  s_server_start www 443
  start_cap
  tls_client www.revo.example 443 -tls1_2
  ocsp_client www 10 -timeout 5
  capture_stop 1
}

sc_36_cert_status_unknown() {
  # unknown.revo.example (0x1009) was signed by the issuing CA but is not in the responder's
  # index, so the real responder answers "unknown" for it.
  ocsp_responder_start ocsp "" -ndays 7
  s_server_start unknown 443
  start_cap
  tls_client unknown.revo.example 443 -tls1_2
  ocsp_client unknown 10
  capture_stop
}

# Leaves whose own validity does not cover the capture time; the server does not staple.
sc_37_cert_expired() {
  s_server_start expired 443
  start_cap
  tls_client expired.revo.example 443 -tls1_2
  capture_stop
}

sc_38_cert_not_yet_valid() {
  s_server_start future 443
  start_cap
  tls_client future.revo.example 443 -tls1_2
  capture_stop
}

# ---------------------------------------------------------------- CRL and AIA

# make_crls DIR [FAKETIME] [CRLDAYS]: the issuing CA's CRL (DER) plus both CA certificates, for nginx.
make_crls() {
  local dir=$1 fake=${2:-} days=${3:-7} envs=()
  [[ -n $fake ]] && envs=(env LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 FAKETIME="$fake")
  rm -rf "$dir"; mkdir -p "$dir"
  "${envs[@]}" openssl ca -batch -config "$PKI/ca.cnf" -name int_ca -gencrl -crldays "$days" -out "$dir/int.crl.pem" 2>>"$PKI/ca.log"
  openssl crl -in "$dir/int.crl.pem" -outform DER -out "$dir/int.crl"
  openssl ca -batch -config "$PKI/ca.cnf" -name root_ca -gencrl -out "$dir/root.crl.pem" 2>>"$PKI/ca.log"
  openssl crl -in "$dir/root.crl.pem" -outform DER -out "$dir/root.crl"
  cp "$PKI/int.cer" "$PKI/root.cer" "$dir/"
}
pki_web_start() {
  nginx_start "$NS_RSP" pkiweb <<CONF
  server {
    listen $WEB4:80;
    server_name crl.pki.example aia.pki.example;
    types { application/pkix-crl crl; application/pkix-cert cer; }
    root $1;
  }
CONF
}
crl_client() {   # crl_client NAME [extra s_client args]
  local name=$1; shift
  in_ns "$NS_CLI" timeout "${CRL_TIMEOUT:-10}" openssl s_client -connect "$name:443" -servername "$name" -tls1_2 \
    -CAfile "$PKI/root.pem" -crl_download -crl_check "$@" </dev/null >>"$WORK/clients.log" 2>&1 || true
}

sc_40_crl_good() {
  make_crls "$WORK/web"; pki_web_start "$WORK/web"
  s_server_start crlok 443
  start_cap
  crl_client crl.revo.example -verify_return_error
  capture_stop
  [[ ${PUBLISH_PKI:-0} == 1 ]] && cp "$WORK/web/int.crl" "$OUT/pki/int.crl"
  return 0
}

sc_41_crl_revoked() {
  make_crls "$WORK/web"; pki_web_start "$WORK/web"
  s_server_start crlrev 443
  start_cap
  crl_client crlrev.revo.example -verify_return_error
  capture_stop
}

sc_42_crl_stale() {
  # CRL issued four days ago (after the revocations it lists) with a one-day lifetime: its
  # nextUpdate lies three days before the capture.
  make_crls "$WORK/web" "-4d" 1; pki_web_start "$WORK/web"
  s_server_start crlok 443
  start_cap
  crl_client crl.revo.example -verify_return_error
  capture_stop
}

sc_43_crl_drop() {
  make_crls "$WORK/web"; pki_web_start "$WORK/web"
  s_server_start crlok 443
  in_ns "$NS_RTR" iptables -A FORWARD -i c0 -p tcp -d $WEB4 --dport 80 -j DROP
  start_cap
  CRL_TIMEOUT=6 crl_client crl.revo.example -verify_return_error
  capture_stop
}

sc_44_crl_reset() {
  # OpenSSL 3.0 reconnects at once after each RST, without pause; a third of a second is plenty.
  make_crls "$WORK/web"; pki_web_start "$WORK/web"
  s_server_start crlok 443
  in_ns "$NS_RTR" iptables -A FORWARD -i c0 -p tcp -d $WEB4 --dport 80 -j REJECT --reject-with tcp-reset
  start_cap
  CRL_TIMEOUT=0.3 crl_client crl.revo.example -verify_return_error
  capture_stop
}

# No Debian client fetches AIA issuers by itself; the client side is scripted the way a browser
# does it: the handshake fails for want of the issuer, the caIssuers URL from the leaf is fetched
# with curl, and the handshake is repeated with the fetched certificate.
aia_chase() {
  make_crls "$WORK/web"; pki_web_start "$WORK/web"
  s_server_start www 443 -nochain
  start_cap
  tls_client www.revo.example 443 -tls1_2 -verify_return_error
  local rc=0
  in_ns "$NS_CLI" timeout 6 curl -sS -m 4 -o "$WORK/aia-int.cer" -w '%{http_code} %{content_type}\n' \
    http://aia.pki.example/int.cer >>"$WORK/clients.log" 2>&1 || rc=$?
  if (( rc == 0 )); then
    { cat "$PKI/root.pem"; openssl x509 -inform DER -in "$WORK/aia-int.cer"; } >"$WORK/aia-bundle.pem"
    CAFILE=$WORK/aia-bundle.pem tls_client www.revo.example 443 -tls1_2 -verify_return_error
  fi
  capture_stop
}
sc_45_aia_fetch() { aia_chase; }
sc_46_aia_fetch_blocked() {
  in_ns "$NS_RTR" iptables -A FORWARD -i c0 -p tcp -d $WEB4 --dport 80 -j DROP
  aia_chase
}

sc_47_nginx_staple_fetch_blocked() {
  # nginx's own fetch of its staple is dropped by the router; handshakes go out without a staple.
  ocsp_responder_start ocsp "" -ndays 7
  in_ns "$NS_RTR" iptables -A FORWARD -i s0 -p tcp -d $OCSP4 --dport 80 -j DROP
  nginx_start "$NS_SRV" stapling-blocked <<CONF
  server {
    listen $WWW4:443 ssl;
    server_name www.revo.example;
    ssl_certificate $PKI/www.chain.pem;
    ssl_certificate_key $PKI/www.key;
    ssl_stapling on;
    resolver $DNS4 ipv6=off;
    location / { return 200 "hello from www\n"; }
  }
CONF
  start_cap "$NS_SRV"
  tls_client www.revo.example 443 -tls1_2
  sleep 3
  tls_client www.revo.example 443 -tls1_2
  sleep 3
  tls_client www.revo.example 443 -tls1_2
  capture_stop 2
}

# make_big_crl DIR COUNT: the issuing CA's CRL as make_crls writes it, but listing COUNT more
# revoked certificates (serials 0x4000 up, revoked over the last year, mixed reasons).  openssl ca
# has no bulk revoke, so the entries go into a copy of the CA's index in a temporary database;
# the real database (and the OCSP responder's view of it) is left alone.
make_big_crl() {
  local dir=$1 count=$2 db=$WORK/bigcrl
  rm -rf "$db"; mkdir -p "$db"
  cp "$PKI/int/index.txt" "$db/index.txt"
  echo "unique_subject = no" >"$db/index.txt.attr"
  echo 3000 >"$db/crlnumber"
  { cat "$PKI/ca.cnf"; cat <<CNF

[int_bigcrl_ca]
dir = $db
database = \$dir/index.txt
certificate = \$ENV::PKI/int/int.pem
private_key = \$ENV::PKI/int/int.key
crlnumber = \$dir/crlnumber
default_md = sha256
default_crl_days = 7
CNF
  } >"$db/ca.cnf"
  local expiry now
  expiry=$(date -u -d '+200 days' +%y%m%d%H%M%SZ); now=$(date -u +%s)
  python3 - "$count" "$expiry" "$now" >>"$db/index.txt" <<'PY'
import sys, time
count, expiry, now = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
reasons = ["keyCompromise", "superseded", "cessationOfOperation", "affiliationChanged", ""]
for i in range(count):
    when = time.strftime("%y%m%d%H%M%SZ", time.gmtime(now - 86400 * 6 - (i * 7919) % (86400 * 360)))
    reason = reasons[i % len(reasons)]
    serial = "%04X" % (0x4000 + i)
    print("R\t%s\t%s%s\t%s\tunknown\t/CN=host%d.bulk.revo.example" % (expiry, when, "," + reason if reason else "", serial, i))
PY
  openssl ca -batch -config "$db/ca.cnf" -name int_bigcrl_ca -gencrl -out "$dir/int.crl.pem" 2>>"$PKI/ca.log"
  openssl crl -in "$dir/int.crl.pem" -outform DER -out "$dir/int.crl"
}

sc_48_crl_slow() {
  # A CRL of about 100 KB (3000 extra entries) through a relay on the router that paces the
  # server's bytes at 40 KB/s, like a slow link: the download takes about 2.5 s while the TLS
  # handshake waits after ServerHelloDone.
  make_crls "$WORK/web"; make_big_crl "$WORK/web" 3000; pki_web_start "$WORK/web"
  log "CRL of $(stat -c %s "$WORK/web/int.crl") bytes"
  bg "$NS_RTR" "$WORK/relay.log" python3 "$HERE/lib/delay_relay.py" 0.0.0.0 9080 $WEB4 80 0 40000
  wait_listen "$NS_RTR" tcp 9080
  in_ns "$NS_RTR" iptables -t nat -A PREROUTING -i c0 -p tcp -d $WEB4 --dport 80 -j REDIRECT --to-ports 9080
  s_server_start crlok 443
  start_cap
  crl_client crl.revo.example -verify_return_error
  capture_stop
}
