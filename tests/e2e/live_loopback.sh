#!/usr/bin/env bash
# Live capture on loopback as root: packets are seen and written with --write, the run stops on
# SIGINT with a report, and the process has dropped root to 'nobody' while capturing.
# Args: $1 revoscope binary, $2 source dir, $3 corpus dir. Exit 77 = skipped.
set -u
bin=$1
[[ $(id -u) -eq 0 ]] || { echo "needs root"; exit 77; }
command -v python3 >/dev/null || { echo "needs python3"; exit 77; }
id nobody >/dev/null 2>&1 || { echo "no user nobody"; exit 77; }
work=$(mktemp -d)
trap 'kill $srv 2>/dev/null; rm -rf "$work"' EXIT
chmod 755 "$work"  # the report is opened before root is dropped
port=$((20000 + RANDOM % 20000))

python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work" >/dev/null 2>&1 &
srv=$!
"$bin" live -i lo --filter "tcp port $port" --write "$work/live.pcap" --format jsonl -o "$work/report.jsonl" \
    --duration 20 >"$work/out" 2>"$work/err" &
rv=$!
sleep 1.5
for i in 1 2 3; do
  python3 - "$port" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
while s.recv(65536):
    pass
s.close()
PY
done
sleep 1
user=$(ps -o user= -p "$rv" | tr -d ' ')
kill -INT "$rv"
wait "$rv"; rc=$?
fail=0
[[ "$user" == "nobody" ]] || { echo "FAIL: capturing process runs as '$user', not nobody"; fail=1; }
[[ $rc -eq 0 || $rc -eq 1 ]] || { echo "FAIL: exit status $rc after SIGINT"; cat "$work/err"; fail=1; }
[[ -s "$work/report.jsonl" ]] || { echo "FAIL: no report written"; fail=1; }
if command -v tshark >/dev/null; then
  syns=$(tshark -n -r "$work/live.pcap" -Y 'tcp.flags.syn==1 && tcp.flags.ack==0' 2>/dev/null | wc -l)
  [[ $syns -eq 3 ]] || { echo "FAIL: --write kept $syns SYNs, expected 3"; fail=1; }
fi
# The written file is a capture revoscope reads back: 3 connections.
n=$("$bin" summary --format jsonl "$work/live.pcap" | grep -c '"type":"tcp_connection"')
[[ $n -eq 3 ]] || { echo "FAIL: summary of the written capture shows $n connections"; fail=1; }
# Unknown interface: one line, exit 3.
"$bin" live -i revo-no-such-if0 --duration 1 >/dev/null 2>"$work/err2"; rc=$?
[[ $rc -eq 3 && $(wc -l <"$work/err2") -eq 1 ]] || { echo "FAIL: unknown interface gave rc=$rc: $(cat "$work/err2")"; fail=1; }
grep -q "does not exist" "$work/err2" || { echo "FAIL: message: $(cat "$work/err2")"; fail=1; }
exit $fail
