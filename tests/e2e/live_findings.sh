#!/usr/bin/env bash
# Live mode prints findings while capturing: in a network namespace made for this test, an OCSP
# attempt to port 80 whose SYNs a firewall rule drops, and an OCSP request that a plain web server
# answers with an HTTP error. Each finding line must reach standard error well before the capture
# ends (lines are timestamped as they are read), be printed once, and appear once in the report.
# Args: $1 revoscope binary, $2 source dir, $3 corpus dir. Exit 77 = skipped.
set -u
bin=$1
src=$2
[[ $(id -u) -eq 0 ]] || { echo "needs root"; exit 77; }
for p in ip iptables python3 openssl; do command -v $p >/dev/null || { echo "needs $p"; exit 77; }; done
id nobody >/dev/null 2>&1 || { echo "no user nobody"; exit 77; }
ns=revo-lf-$$
ip netns add "$ns" 2>/dev/null || { echo "cannot create a network namespace"; exit 77; }
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  # Interpreter wrappers may fork: end whatever still runs inside the namespace, so no process keeps
  # the test runner's output open.
  ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
  sleep 0.2
  ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
  wait 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"  # the report is opened before root is dropped
nsx() { ip netns exec "$ns" "$@"; }
nsx ip link set lo up
nsx iptables -A INPUT -p tcp --dport 80 --syn -j DROP 2>/dev/null || { echo "iptables unusable in a namespace"; exit 77; }

duration=20
stamp() { while IFS= read -r line; do printf '%s %s\n' "$(date +%s.%N)" "$line"; done; }
nsx "$bin" live -i lo --format jsonl -o "$work/report.jsonl" --duration $duration \
    2> >(stamp >"$work/err.ts") >"$work/out" &
rv=$!
pids+=($rv)
# A trickle of datagrams keeps the otherwise silent namespace loopback producing frames.
nsx python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while True:
    s.sendto(b"tick", ("127.0.0.1", 9)); time.sleep(0.2)' &
pids+=($!)
nsx python3 -m http.server 8080 --bind 127.0.0.1 --directory "$work" >/dev/null 2>&1 &
pids+=($!)
sleep 1.5
t0=$(date +%s.%N)
# 1. OCSP request answered 501 by a server that only knows GET.
nsx openssl ocsp -issuer "$src/samples/pki/intermediate.pem" -cert "$src/samples/pki/www.pem" \
    -url http://127.0.0.1:8080/ocsp -timeout 3 >"$work/ocsp.out" 2>&1
t_http=$(date +%s.%N)
# 2. OCSP connection attempt to port 80, dropped; the client gives up after 14 s.
nsx python3 -c '
import socket
s = socket.socket(); s.settimeout(14)
try:
    s.connect(("127.0.0.1", 80))
except OSError:
    pass' &
client=$!
t_syn=$(date +%s.%N)
wait $rv; rc=$?
t_exit=$(date +%s.%N)
kill $client 2>/dev/null
sleep 0.2  # the stamping reader drains

fail=0
[[ $rc -eq 1 ]] || { echo "FAIL: exit status $rc, expected 1 (findings at warning or above)"; cat "$work/err.ts"; fail=1; }
echo "--- live output (epoch seconds, line)"; cat "$work/err.ts"
# at CODE: prints the epoch of the first live line for CODE, or nothing.
at() { awk -v c="finding: $1 " 'index($0, c) { print $1; exit }' "$work/err.ts"; }
lines() { grep -c "finding: $1 " "$work/err.ts"; }
in_report() { python3 - "$work/report.jsonl" "$1" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("type") == "finding" and r.get("code") == sys.argv[2]:
        n += 1
        print(r.get("count"), file=sys.stderr)
print(n)
PY
}
for code in OCSP_BLOCKED_DROP OCSP_HTTP_ERROR; do
  t=$(at $code)
  if [[ -z "$t" ]]; then echo "FAIL: no live line for $code"; fail=1; continue; fi
  # Established before the capture ended, not in the exit-time flush.
  awk -v t="$t" -v e="$t_exit" 'BEGIN { exit !(t < e - 3) }' ||
    { echo "FAIL: $code printed at $t, capture ended at $t_exit"; fail=1; }
  [[ $(lines $code) -eq 1 ]] || { echo "FAIL: $code printed $(lines $code) times"; fail=1; }
  [[ $(in_report $code 2>/dev/null) -eq 1 ]] || { echo "FAIL: $code is $(in_report $code 2>/dev/null) times in the report"; fail=1; }
done
# The drop is reported once the attempt is 10 s old (not before), the HTTP error within seconds.
t=$(at OCSP_BLOCKED_DROP)
[[ -n "$t" ]] && { awk -v t="$t" -v s="$t_syn" 'BEGIN { exit !(t >= s + 9.5 && t < s + 13) }' ||
  { echo "FAIL: drop reported at +$(awk -v t="$t" -v s="$t_syn" 'BEGIN{print t-s}') s after the first SYN"; fail=1; }; }
t=$(at OCSP_HTTP_ERROR)
[[ -n "$t" ]] && { awk -v t="$t" -v s="$t_http" 'BEGIN { exit !(t < s + 3) }' ||
  { echo "FAIL: HTTP error reported at +$(awk -v t="$t" -v s="$t_http" 'BEGIN{print t-s}') s after the response"; fail=1; }; }
# Every finding of the report was printed live exactly once.
report_n=$(grep -c '"type":"finding"' "$work/report.jsonl")
live_n=$(grep -c " finding: " "$work/err.ts")
[[ $report_n -eq $live_n ]] || { echo "FAIL: $live_n live finding lines, $report_n findings in the report"; fail=1; }
exit $fail
