#!/usr/bin/env bash
# Builds a small PKI and OCSP requests/responses with the openssl CLI, for the OCSP decoding and
# verification tests. Usage: ocsp_pki.sh <empty directory>
#
#   root.pem            trust anchor "Test Root CA"; issues every certificate below
#   www.pem, revoked.pem  end-entity certificates (revoked.pem revoked with keyCompromise)
#   ocsp.pem            delegated responder (id-kp-OCSPSigning)
#   ocsp-expired.pem    delegated responder that expired in 2020
#   ocsp-noeku.pem      certificate issued by the CA without id-kp-OCSPSigning
#   rogue.pem           responder with id-kp-OCSPSigning issued by another, untrusted root
#   req.der             request for www + revoked with a nonce;  req2.der: same certificates, another nonce
#   req-nononce.der     request for www only, no nonce
#   resp-<signer>.der   responses to req.der signed by delegated, ca, expired, noeku, rogue; resp-bykey.der
#                       (delegated, ResponderID byKey); resp-req2.der (delegated, answers req2.der)
set -euo pipefail
D=$1
cd "$D"
mkdir -p newcerts
: > index.txt
echo 1000 > serial
cat > ca.cnf <<'CNF'
[ca]
default_ca = ca_default
[ca_default]
dir = .
database = index.txt
new_certs_dir = newcerts
serial = serial
default_md = sha256
policy = any
default_days = 365
unique_subject = no
[any]
commonName = supplied
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[v3_ca]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = CA:false
keyUsage = digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:http://ocsp.test/
[ocsp]
basicConstraints = CA:false
keyUsage = digitalSignature
extendedKeyUsage = OCSPSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[noeku]
basicConstraints = CA:false
keyUsage = digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
selfsigned() { # name cn
  key "$1.key"
  openssl req -config ca.cnf -new -x509 -key "$1.key" -subj "/CN=$2" -days 3650 -extensions v3_ca -out "$1.pem"
}
issue() { # name cn extensions [ca options...]
  local n=$1 cn=$2 ext=$3; shift 3
  key "$n.key"
  openssl req -config ca.cnf -new -key "$n.key" -subj "/CN=$cn" -out "$n.csr"
  openssl ca -config ca.cnf -batch -notext -cert root.pem -keyfile root.key -extensions "$ext" \
    -in "$n.csr" -out "$n.pem" "$@" 2>/dev/null
}
selfsigned root "Test Root CA"
issue www www.test leaf
issue revoked revoked.test leaf
issue ocsp "Test OCSP Responder" ocsp
issue ocsp-expired "Test Expired Responder" ocsp -startdate 20200101000000Z -enddate 20200301000000Z
issue ocsp-noeku "Test No-EKU Signer" noeku
openssl ca -config ca.cnf -batch -cert root.pem -keyfile root.key -revoke revoked.pem -crl_reason keyCompromise 2>/dev/null

# A responder certificate from a different, untrusted root.
mkdir -p rogue-ca/newcerts
: > rogue-ca/index.txt
echo 2000 > rogue-ca/serial
sed 's|^dir = .|dir = rogue-ca|; s|^database = index.txt|database = rogue-ca/index.txt|; s|^new_certs_dir = newcerts|new_certs_dir = rogue-ca/newcerts|; s|^serial = serial|serial = rogue-ca/serial|' ca.cnf > rogue.cnf
selfsigned rogue-root "Rogue Root"
key rogue.key
openssl req -config ca.cnf -new -key rogue.key -subj "/CN=Rogue Responder" -out rogue.csr
openssl ca -config rogue.cnf -batch -notext -cert rogue-root.pem -keyfile rogue-root.key -extensions ocsp \
  -in rogue.csr -out rogue.pem 2>/dev/null

openssl ocsp -issuer root.pem -cert www.pem -cert revoked.pem -reqout req.der >/dev/null
openssl ocsp -issuer root.pem -cert www.pem -cert revoked.pem -reqout req2.der >/dev/null
openssl ocsp -issuer root.pem -cert www.pem -no_nonce -reqout req-nononce.der >/dev/null
respond() { # out request signer key [options...]
  local out=$1 req=$2 signer=$3 k=$4; shift 4
  openssl ocsp -index index.txt -CA root.pem -rsigner "$signer" -rkey "$k" -reqin "$req" -ndays 1 -respout "$out" "$@" >/dev/null
}
respond resp-delegated.der req.der ocsp.pem ocsp.key
respond resp-ca.der req.der root.pem root.key
respond resp-expired.der req.der ocsp-expired.pem ocsp-expired.key
respond resp-noeku.der req.der ocsp-noeku.pem ocsp-noeku.key
respond resp-rogue.der req.der rogue.pem rogue.key
respond resp-bykey.der req.der ocsp.pem ocsp.key -resp_key_id
respond resp-req2.der req2.der ocsp.pem ocsp.key
respond resp-nononce.der req-nononce.der ocsp.pem ocsp.key -resp_no_certs
