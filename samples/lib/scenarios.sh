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
