# Throwaway PKI for the sample captures: root CA, issuing CA, leaves, OCSP responder certificates.
# Sourced by make-samples.sh.  Writes everything to $PKI (private) and public certificates to $OUT/pki.

pki_conf() {
  cat >"$PKI/ca.cnf" <<'CNF'
[ca]
default_ca = int_ca

[root_ca]
dir = $ENV::PKI/root
database = $dir/index.txt
new_certs_dir = $dir/new
certificate = $dir/root.pem
private_key = $dir/root.key
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
policy = pol_any
unique_subject = no
email_in_dn = no
copy_extensions = none
default_crl_days = 30

[int_ca]
dir = $ENV::PKI/int
database = $dir/index.txt
new_certs_dir = $dir/new
certificate = $dir/int.pem
private_key = $dir/int.key
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
policy = pol_any
unique_subject = no
email_in_dn = no
copy_extensions = none
default_crl_days = 7

# Same issuing CA, separate database: what it signs here never reaches int/index.txt, the
# database the OCSP responder answers from.
[int_unrecorded_ca]
dir = $ENV::PKI/int_unrecorded
database = $dir/index.txt
new_certs_dir = $dir/new
certificate = $ENV::PKI/int/int.pem
private_key = $ENV::PKI/int/int.key
serial = $dir/serial
default_md = sha256
policy = pol_any
unique_subject = no
email_in_dn = no
copy_extensions = none

[pol_any]
countryName = optional
organizationName = optional
commonName = supplied

[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused

[v3_root]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[v3_int]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = caIssuers;URI:http://aia.pki.example/root.cer
crlDistributionPoints = URI:http://crl.pki.example/root.crl

[v3_leaf]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:http://crl.pki.example/int.crl
authorityInfoAccess = OCSP;URI:http://ocsp.pki.example/, caIssuers;URI:http://aia.pki.example/int.cer
subjectAltName = DNS:$ENV::LEAF_NAME

[v3_leaf_muststaple]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:http://crl.pki.example/int.crl
authorityInfoAccess = OCSP;URI:http://ocsp.pki.example/, caIssuers;URI:http://aia.pki.example/int.cer
subjectAltName = DNS:$ENV::LEAF_NAME
tlsfeature = status_request

[v3_leaf_legacy]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:http://crl.pki.example/int.crl
authorityInfoAccess = OCSP;URI:http://ocsp-old.pki.example/, caIssuers;URI:http://aia.pki.example/int.cer
subjectAltName = DNS:$ENV::LEAF_NAME

[v3_leaf_crlonly]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:http://crl.pki.example/int.crl
authorityInfoAccess = caIssuers;URI:http://aia.pki.example/int.cer
subjectAltName = DNS:$ENV::LEAF_NAME

[v3_ocsp]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
noCheck = ignored
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[v3_ocsp_noeku]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[v3_rogue_root]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
CNF
}

# ca_sign CA(root|int) NAME SUBJECT EXT SERIAL_HEX START END
ca_sign() {
  local ca=$1 name=$2 subj=$3 ext=$4 serial=$5 start=$6 end=$7
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/$name.key" 2>/dev/null
  openssl req -new -config "$PKI/ca.cnf" -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr"
  echo "$serial" >"$PKI/$ca/serial"
  openssl ca -batch -config "$PKI/ca.cnf" -name "${ca}_ca" -extfile "$PKI/ca.cnf" -extensions "$ext" \
    -startdate "$start" -enddate "$end" -in "$PKI/$name.csr" -out "$PKI/$name.full" -notext 2>>"$PKI/ca.log"
  openssl x509 -in "$PKI/$name.full" -out "$PKI/$name.pem"
}

d() { date -u -d "$1" +%Y%m%d%H%M%SZ; }

make_pki() {
  rm -rf "$PKI"; mkdir -p "$PKI"/{root,int}/new
  export PKI LEAF_NAME=unused
  : >"$PKI/root/index.txt"; : >"$PKI/int/index.txt"
  echo 1000 >"$PKI/root/crlnumber"; echo 2000 >"$PKI/int/crlnumber"
  pki_conf

  local past30 past90 past10 future
  past30=$(d '-30 days'); past90=$(d '-90 days'); past10=$(d '-10 days'); future=$(d '+395 days')

  # Root (self-signed through openssl ca so dates and serial are ours).
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/root/root.key" 2>/dev/null
  openssl req -new -config "$PKI/ca.cnf" -key "$PKI/root/root.key" \
    -subj "/C=XX/O=Revo Sample PKI/CN=Revo Sample Root CA" -out "$PKI/root/root.csr"
  echo 01 >"$PKI/root/serial"
  openssl ca -batch -selfsign -config "$PKI/ca.cnf" -name root_ca -keyfile "$PKI/root/root.key" \
    -extfile "$PKI/ca.cnf" -extensions v3_root -startdate "$(d '-400 days')" -enddate "$(d '+3650 days')" \
    -in "$PKI/root/root.csr" -out "$PKI/root/root.full" -notext 2>>"$PKI/ca.log"
  openssl x509 -in "$PKI/root/root.full" -out "$PKI/root/root.pem"
  cp "$PKI/root/root.pem" "$PKI/root.pem"

  ca_sign root int_tmp "/C=XX/O=Revo Sample PKI/CN=Revo Sample Issuing CA 1" v3_int 0100 "$(d '-365 days')" "$(d '+1825 days')"
  mv "$PKI/int_tmp.key" "$PKI/int/int.key"; cp "$PKI/int_tmp.pem" "$PKI/int/int.pem"
  cp "$PKI/int_tmp.pem" "$PKI/intermediate.pem"

  local n
  LEAF_NAME=www.revo.example     ca_sign int www     "/CN=www.revo.example"     v3_leaf            1001 "$past30" "$future"
  LEAF_NAME=api.revo.example     ca_sign int api     "/CN=api.revo.example"     v3_leaf            1002 "$past30" "$future"
  LEAF_NAME=staple.revo.example  ca_sign int staple  "/CN=staple.revo.example"  v3_leaf_muststaple 1003 "$past30" "$future"
  LEAF_NAME=revoked.revo.example ca_sign int revoked "/CN=revoked.revo.example" v3_leaf            1004 "$past30" "$future"
  LEAF_NAME=legacy.revo.example  ca_sign int legacy  "/CN=legacy.revo.example"  v3_leaf_legacy     1005 "$past30" "$future"
  LEAF_NAME=crl.revo.example     ca_sign int crlok   "/CN=crl.revo.example"     v3_leaf_crlonly    1006 "$past30" "$future"
  LEAF_NAME=crlrev.revo.example  ca_sign int crlrev  "/CN=crlrev.revo.example"  v3_leaf_crlonly    1007 "$past30" "$future"
  LEAF_NAME=alt.revo.example     ca_sign int alt     "/CN=alt.revo.example"     v3_leaf            1008 "$past30" "$future"
  ca_sign int ocsp         "/O=Revo Sample PKI/CN=Revo Sample OCSP Responder"          v3_ocsp       2001 "$past30" "$future"
  ca_sign int ocsp-expired "/O=Revo Sample PKI/CN=Revo Sample OCSP Responder (old)"    v3_ocsp       2002 "$past90" "$past10"
  ca_sign int ocsp-noeku   "/O=Revo Sample PKI/CN=Revo Sample OCSP Responder (no EKU)" v3_ocsp_noeku 2003 "$past30" "$future"

  # Revocations (index entries for the OCSP responder and the CRL).
  openssl ca -batch -config "$PKI/ca.cnf" -name int_ca -revoke "$PKI/revoked.pem" -crl_reason keyCompromise 2>>"$PKI/ca.log"
  openssl ca -batch -config "$PKI/ca.cnf" -name int_ca -revoke "$PKI/crlrev.pem" -crl_reason keyCompromise 2>>"$PKI/ca.log"

  # Revocation dated five days back, as a real revocation would be by the time anyone looks.
  local rdate; rdate=$(date -u -d '-5 days' +%y%m%d%H%M%SZ)
  sed -i -E "s/^(R\t[0-9]{12}Z\t)[0-9]{12}Z,/\1$rdate,/" "$PKI/int/index.txt"

  # A responder certificate from an unrelated CA (for the untrusted-signer case).
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/rogue-root.key" -subj "/O=Elsewhere/CN=Unrelated Root" \
    -config "$PKI/ca.cnf" -extensions v3_rogue_root -days 3650 -out "$PKI/rogue-root.pem" 2>/dev/null
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/ocsp-rogue.key" 2>/dev/null
  openssl req -new -config "$PKI/ca.cnf" -key "$PKI/ocsp-rogue.key" -subj "/O=Elsewhere/CN=Unrelated OCSP Responder" -out "$PKI/ocsp-rogue.csr"
  openssl x509 -req -in "$PKI/ocsp-rogue.csr" -CA "$PKI/rogue-root.pem" -CAkey "$PKI/rogue-root.key" -set_serial 0x2004 \
    -days 365 -extfile "$PKI/ca.cnf" -extensions v3_ocsp -out "$PKI/ocsp-rogue.pem" 2>/dev/null

  # Chains and public copies.
  for n in www api staple revoked legacy crlok crlrev alt; do cat "$PKI/$n.pem" "$PKI/intermediate.pem" >"$PKI/$n.chain.pem"; done
  cat "$PKI/intermediate.pem" "$PKI/root.pem" >"$PKI/ca-chain.pem"
  openssl x509 -in "$PKI/root.pem" -outform DER -out "$PKI/root.cer"
  openssl x509 -in "$PKI/intermediate.pem" -outform DER -out "$PKI/int.cer"
  # The committed public copies change only with a full run (which remakes every capture too).
  if [[ ${PUBLISH_PKI:-0} == 1 ]]; then
    rm -rf "$OUT/pki"; mkdir -p "$OUT/pki"
    cp "$PKI"/{root,intermediate}.pem "$OUT/pki/"
    for n in www api staple revoked legacy crlok crlrev alt ocsp ocsp-expired ocsp-noeku ocsp-rogue rogue-root; do
      cp "$PKI/$n.pem" "$OUT/pki/$n.pem"
    done
    cp "$PKI/int/index.txt" "$OUT/pki/int-index.txt"
  fi
  log "PKI ready: $(wc -l <"$PKI/int/index.txt") certificates issued by the issuing CA"
  make_unrecorded_leaves
}

# Leaves signed by the issuing CA outside its database (int_unrecorded_ca), so the responder's
# index has no entry for them: one ordinary leaf (the responder answers "unknown"), one that
# expired three days ago and one that becomes valid only in two days.  Idempotent, so that a
# run keeping an older PKI (SAMPLES_KEEP_PKI=1) gains them without touching anything else; the
# public copy goes to pki/ on a full run or when pki/ does not have it yet.
make_unrecorded_leaves() {
  pki_conf
  mkdir -p "$PKI/int_unrecorded/new"; touch "$PKI/int_unrecorded/index.txt"
  local name serial host start end
  while read -r name serial host start end; do
    if [[ ! -s $PKI/$name.pem ]]; then
      LEAF_NAME=$host ca_sign int_unrecorded "$name" "/CN=$host" v3_leaf "$serial" "$(d "$start")" "$(d "$end")"
      cat "$PKI/$name.pem" "$PKI/intermediate.pem" >"$PKI/$name.chain.pem"
      log "issued $name.pem ($host, serial 0x$serial) outside the responder's index"
    fi
    if [[ ${PUBLISH_PKI:-0} == 1 || ! -e $OUT/pki/$name.pem ]]; then cp "$PKI/$name.pem" "$OUT/pki/$name.pem"; fi
  done <<'LEAVES'
unknown 1009 unknown.revo.example -30days +395days
expired 100A expired.revo.example -60days -3days
future  100B future.revo.example  +2days  +397days
LEAVES
}

# ocsp_offline LEAF SIGNER OUT.der [extra responder args...]: a real signed response, made without network.
ocsp_offline() {
  local leaf=$1 signer=$2 out=$3; shift 3
  openssl ocsp -issuer "$PKI/intermediate.pem" -cert "$PKI/$leaf.pem" -no_nonce -reqout "$PKI/req-$leaf.der" >/dev/null 2>&1
  openssl ocsp -index "$PKI/int/index.txt" -CA "$PKI/intermediate.pem" -rsigner "$PKI/$signer.pem" \
    -rkey "$PKI/$signer.key" -reqin "$PKI/req-$leaf.der" -respout "$out" "$@" >/dev/null 2>&1
}
