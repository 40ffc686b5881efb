#!/usr/bin/env bash
# Regenerates every sample capture in this folder from scratch (Debian 12, run as root).
#
#   samples/make-samples.sh              all scenarios
#   samples/make-samples.sh 01 14 ...    only the scenarios whose names start with these prefixes
#                                        (keeps the PKI of the previous run if SAMPLES_KEEP_PKI=1)
#
# Everything runs in network namespaces (rv-cli, rv-rtr, rv-srv, rv-rsp) joined by veth pairs and
# addressed from the documentation ranges; they are removed on exit.  See README.md.
set -euo pipefail
umask 022

[[ $(id -u) == 0 ]] || { echo "make-samples.sh: must run as root" >&2; exit 1; }
for tool in openssl tcpdump tshark nginx tinyproxy gnutls-cli iptables ip dnsmasq curl editcap ethtool python3; do
  command -v "$tool" >/dev/null || { echo "make-samples.sh: missing $tool (apt-get install it)" >&2; exit 1; }
done

[[ -e /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 ]] || { echo "make-samples.sh: missing libfaketime" >&2; exit 1; }

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE
WORK=${SAMPLES_WORK:-/var/tmp/revo-samples}
PKI=$WORK/pki
export PKI LEAF_NAME=unused   # read by the openssl config
mkdir -p "$WORK"

source "$HERE/lib/common.sh"
source "$HERE/lib/pki.sh"
source "$HERE/lib/services.sh"
source "$HERE/lib/scenarios.sh"

trap 'teardown_net' EXIT
trap 'exit 130' INT TERM

(( $# )) || PUBLISH_PKI=1
if [[ ${SAMPLES_KEEP_PKI:-0} == 1 && -s $PKI/int/index.txt ]]; then
  log "keeping existing PKI in $PKI"
  make_unrecorded_leaves
else
  make_pki
fi
: >"$WORK/clients.log"
setup_net

scenarios=$(declare -F | awk '{print $3}' | sed -n 's/^sc_//p' | sort)
if (( $# )); then
  want=""
  for s in $scenarios; do for p in "$@"; do [[ $s == "$p"* ]] && want+="$s "; done; done
  scenarios=$want
else
  rm -f "$OUT"/*.pcap "$OUT"/*.keylog
fi
for s in $scenarios; do
  CUR=$s; log "scenario $s"
  fw_flush
  "sc_$s"
  stop_all_bg_except_dns
done
log "done; client output in $WORK/clients.log"

if (( ! $# )); then
  log "checking EXPECTED.tsv against the new captures"
  python3 "$HERE/lib/check_expected.py" "$OUT"
fi
