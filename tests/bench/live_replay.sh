#!/usr/bin/env bash
# Live capture under load: replays a capture with tcpreplay at a fixed rate into one end of a veth pair
# and runs `revoscope live` on the other end, inside a network namespace made here and removed on exit.
# Prints what tcpreplay sent, what revoscope received, and the kernel drops libpcap reported.
#
# usage (root): tests/bench/live_replay.sh CAPTURE [MBPS] [REVOSCOPE]
#   MBPS defaults to 1000 ("top" replays as fast as tcpreplay can); REVOSCOPE to build-bench/revoscope.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cap=${1:?usage: live_replay.sh CAPTURE [MBPS] [REVOSCOPE]}
mbps=${2:-1000}
rv=${3:-$root/build-bench/revoscope}
[[ $(id -u) == 0 ]] || { echo "live_replay.sh: needs root (namespaces, veth)" >&2; exit 2; }
command -v tcpreplay >/dev/null || { echo "live_replay.sh: tcpreplay is not installed" >&2; exit 2; }
[[ -x $rv ]] || { echo "live_replay.sh: $rv is not built" >&2; exit 2; }

ns=rvbench$$
a=rvb$$a
b=rvb$$b
out=$(mktemp -d /tmp/revo-live-bench.XXXXXX)
cleanup() {
    [[ -n ${rvpid:-} ]] && kill -INT "$rvpid" 2>/dev/null || true
    ip link del "$a" 2>/dev/null || true
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$out"
}
trap cleanup EXIT

ip netns add "$ns"
ip link add "$a" mtu 9000 type veth peer name "$b" mtu 9000
ip link set "$b" netns "$ns"
ip link set "$a" up
ip -n "$ns" link set "$b" up

# The capture end: a 64 MiB kernel buffer, packets delivered in batches (what a busy link wants).
ip netns exec "$ns" "$rv" live -i "$b" --no-immediate --buffer-size 64 --format jsonl --quiet -Z root \
    >"$out/report.jsonl" 2>"$out/revoscope.err" &
rvpid=$!
sleep 1
kill -0 "$rvpid" 2>/dev/null || { echo "live_replay.sh: revoscope did not start: $(head -c 300 "$out/revoscope.err")" >&2; exit 1; }

/usr/bin/time -f "%e %U %S" -o "$out/replay.time" \
    tcpreplay --intf1="$a" $([[ $mbps == top ]] && echo --topspeed || echo --mbps="$mbps") "$cap" >"$out/tcpreplay.out" 2>&1
sleep 2
kill -INT "$rvpid"
rc=0
wait "$rvpid" || rc=$?
rvpid=
((rc <= 1)) || { echo "live_replay.sh: revoscope exited $rc: $(head -c 300 "$out/revoscope.err")" >&2; exit 1; }

sent=$(sed -n 's/.*Successful packets: *\([0-9]*\).*/\1/p' "$out/tcpreplay.out" | head -1)
rate=$(grep -m1 -o 'Rated: .*' "$out/tcpreplay.out" || true)
python3 - "$out/report.jsonl" "$sent" "$mbps" "$rate" <<'EOF'
import json, sys
path, sent, mbps, rate = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
summary = None
with open(path) as f:
    for line in f:
        rec = json.loads(line)
        if rec.get("type") == "summary":
            summary = rec
if summary is None:
    sys.exit("live_replay.sh: no summary record in the report")
live = summary.get("live", {})
print(f"replay target {mbps} Mbit/s; tcpreplay: {rate or '?'}; packets sent {sent or '?'}")
print(f"revoscope: packets analysed {summary['packets']}, libpcap received {live.get('received')}, "
      f"kernel dropped {live.get('dropped')}, interface dropped {live.get('if_dropped')}, "
      f"TLS handshakes {summary['tls_handshakes']}, revocation checks {summary['revocation_checks']}")
EOF
