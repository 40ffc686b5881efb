#!/usr/bin/env bash
# revoscope analyze --keylog on real key-logged captures: the TLS 1.3 draft-18 corpus capture shows
# its decrypted chain and the good 280-byte staple; the RFC 8446 capture decrypts; samples/03 (made
# with openssl s_client -keylogfile) shows its staple; a wrong key does not decrypt and nothing is
# invented; a missing key log file is one clear line and a non-zero exit.
# Args: $1 revoscope binary, $2 source dir, $3 corpus dir. Exit 77 = skipped.
set -u
bin=$1 src=$2 corpus=${3:-}
command -v python3 >/dev/null || { echo "needs python3"; exit 77; }
caps=$corpus/AAGiron-tls-handshake-analyzer/captures
[[ -f $caps/tls13-18-cert-sct-ocsp.pcap ]] || { echo "corpus absent"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0

# check NAME JSONL PYTHON-EXPR: the expression sees `hs`, the list of tls_handshake records.
check() {
  local name=$1 file=$2 expr=$3
  if python3 - "$file" "$expr" <<'PY'
import json, sys
hs = []
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    rec = json.loads(line)
    if rec.get("type") == "tls_handshake":
        hs.append(rec)
ok = eval(sys.argv[2], {"hs": hs, "json": json})
sys.exit(0 if ok else 1)
PY
  then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}

"$bin" analyze --keylog "$caps/tls13-18-cert-sct-ocsp-keylog.txt" "$caps/tls13-18-cert-sct-ocsp.pcap" \
    --format jsonl -o "$work/draft18.jsonl" 2>"$work/err"
check "draft-18: decrypted" "$work/draft18.jsonl" 'len(hs) == 1 and hs[0]["decrypted"] is True'
check "draft-18: chain of 2, leaf enabled.tls13.com" "$work/draft18.jsonl" \
  'len(hs[0]["chain"]) == 2 and "enabled.tls13.com" in json.dumps(hs[0]["chain"][0])'
check "draft-18: staple good, thisUpdate 2017-09-30T17:52:08Z" "$work/draft18.jsonl" \
  'hs[0]["staple"] is not None and hs[0]["staple"]["singles"][0]["status"] == "good" and hs[0]["staple"]["singles"][0]["this_update"].startswith("2017-09-30T17:52:08")'

"$bin" analyze "$caps/tls13-18-cert-sct-ocsp.pcap" --format jsonl -o "$work/nokey.jsonl" 2>/dev/null
check "no key log: encrypted, no chain, no staple" "$work/nokey.jsonl" \
  'len(hs) == 1 and hs[0]["encrypted"] is True and not hs[0]["decrypted"] and hs[0]["chain"] == [] and hs[0]["staple"] is None'

# the same key log with the last hex digit of every secret changed
python3 -c 'import sys
for l in open(sys.argv[1]):
    l = l.rstrip()
    print(l[:-1] + ("1" if l[-1] == "0" else "0") if l else l)' "$caps/tls13-18-cert-sct-ocsp-keylog.txt" >"$work/wrong.keys"
"$bin" analyze --keylog "$work/wrong.keys" "$caps/tls13-18-cert-sct-ocsp.pcap" --format jsonl \
    -o "$work/wrong.jsonl" 2>/dev/null
check "wrong key: not decrypted, no chain invented" "$work/wrong.jsonl" \
  'len(hs) == 1 and not hs[0]["decrypted"] and hs[0]["chain"] == [] and hs[0]["staple"] is None'

if [[ -f $corpus/wireshark/test/keys/tls13-rfc8446.keys ]]; then
  "$bin" analyze --keylog "$corpus/wireshark/test/keys/tls13-rfc8446.keys" "$caps/tls13-rfc8446.pcap" \
      --format jsonl -o "$work/rfc.jsonl" 2>/dev/null
  check "RFC 8446 capture: both handshakes decrypted, one chain" "$work/rfc.jsonl" \
    'len(hs) == 2 and all(h["decrypted"] for h in hs) and sorted(len(h["chain"]) for h in hs) == [0, 1]'
fi

if [[ -f $src/samples/03-tls13-staple-good.pcap && -f $src/samples/03-tls13-staple-good.keylog ]]; then
  "$bin" analyze --keylog "$src/samples/03-tls13-staple-good.keylog" "$src/samples/03-tls13-staple-good.pcap" \
      --format jsonl -o "$work/s03.jsonl" 2>/dev/null
  check "samples/03: decrypted staple is good" "$work/s03.jsonl" \
    'any(h["decrypted"] and h["staple"] is not None and h["staple"]["singles"][0]["status"] == "good" for h in hs)'
fi

"$bin" analyze --keylog "$work/does-not-exist.keys" "$caps/tls13-18-cert-sct-ocsp.pcap" --format jsonl \
    >/dev/null 2>"$work/err"
rc=$?
if [[ $rc -ne 0 && $(wc -l <"$work/err") -eq 1 ]] && grep -q "does-not-exist.keys" "$work/err"; then
  echo "ok   missing key log: one line, exit $rc"
else
  echo "FAIL missing key log (exit $rc):"; cat "$work/err"; fail=1
fi
exit $fail
