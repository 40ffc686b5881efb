# Servers and clients used by the scenarios.  Sourced by make-samples.sh.

# --- OCSP responder (openssl ocsp) in the responder namespace, port 80 of ocsp.pki.example ---
# ocsp_responder_start [SIGNER] [FAKETIME_SPEC] [extra args...]
ocsp_responder_start() {
  local signer=${1:-ocsp} fake=${2:-}; shift 2 || shift $#
  local envs=()
  if [[ -n $fake ]]; then
    envs=(env LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 FAKETIME="$fake" FAKETIME_DONT_FAKE_MONOTONIC=1)
  fi
  local port=${OCSP_PORT:-80}
  bg "$NS_RSP" "$WORK/ocsp-responder.log" "${envs[@]}" openssl ocsp -index "$PKI/int/index.txt" -port "$port" \
    -CA "$PKI/intermediate.pem" -rsigner "$PKI/$signer.pem" -rkey "$PKI/$signer.key" -ignore_err "$@"
  OCSP_PID=$BG_PID
  wait_listen "$NS_RSP" tcp "$port"
}
ocsp_responder_stop() { stop_pid "$OCSP_PID"; }

# --- openssl s_server in the server namespace ---
# s_server_start LEAF PORT [extra args...]  (LEAF's chain = leaf + intermediate unless -nochain given first)
s_server_start() {
  local leaf=$1 port=$2; shift 2
  local chain=(-cert_chain "$PKI/intermediate.pem")
  if [[ ${1:-} == -nochain ]]; then chain=(); shift; fi
  bg "$NS_SRV" "$WORK/s_server-$port.log" openssl s_server -accept "$port" -cert "$PKI/$leaf.pem" \
    -key "$PKI/$leaf.key" "${chain[@]}" -www "$@"
  SSRV_PID=$BG_PID
  wait_listen "$NS_SRV" tcp "$port"
}
s_server_stop() { stop_pid "$SSRV_PID"; }

# --- nginx (any namespace) with a config body given on stdin ---
# nginx_start NS NAME  < server blocks
nginx_start() {
  local ns=$1 name=$2 dir=$WORK/nginx-$2
  rm -rf "$dir"; mkdir -p "$dir/logs" "$dir/tmp"
  {
    cat <<CONF
daemon off;
master_process on;
worker_processes 1;
user root;
pid $dir/nginx.pid;
error_log $dir/logs/error.log info;
events { worker_connections 256; }
http {
  access_log $dir/logs/access.log;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server_tokens on;
  default_type application/octet-stream;
CONF
    cat
    echo "}"
  } >"$dir/nginx.conf"
  bg "$ns" "$dir/stdout.log" nginx -c "$dir/nginx.conf" -p "$dir"
  NGINX_PID=$BG_PID
  for _ in $(seq 100); do [[ -s $dir/nginx.pid ]] && break; sleep 0.05; done
  sleep 0.2
}
nginx_stop() { stop_pid "$NGINX_PID"; }

# nginx_fixed_server LISTEN FILE TYPE: server blocks that answer any GET or POST with one file.
# Static files refuse POST with 405; error_page turns that into an internal GET of the file.  The
# front block proxies to that back block so that, as a real application server would, nginx
# reads the whole request body before it answers.
nginx_fixed_server() {
  local listen=$1 file=$2 type=$3
  cat <<LOC
  server {
    listen $listen;
    location / { proxy_pass http://127.0.0.1:8081; proxy_http_version 1.0; }
  }
  server {
    listen 127.0.0.1:8081;
    location / {
      types { }
      default_type $type;
      root $(dirname "$file");
      try_files /$(basename "$file") =404;
      error_page 405 =200 /$(basename "$file");
    }
  }
LOC
}

# --- tinyproxy in the responder namespace on proxy.pki.example:3128 ---
# tinyproxy_start < extra config lines
tinyproxy_start() {
  local conf=$WORK/tinyproxy.conf
  {
    cat <<CONF
User root
Group root
Port 3128
Listen $PROXY4
Timeout 30
LogLevel Info
MaxClients 20
ViaProxyName "proxy.pki.example"
DefaultErrorFile "/usr/share/tinyproxy/default.html"
StatFile "/usr/share/tinyproxy/stats.html"
CONF
    cat
  } >"$conf"
  bg "$NS_RSP" "$WORK/tinyproxy.log" tinyproxy -d -c "$conf"
  TPROXY_PID=$BG_PID
  wait_listen "$NS_RSP" tcp 3128
}
tinyproxy_stop() { stop_pid "$TPROXY_PID"; }

# --- clients (always bounded by timeout) ---
# tls_client NAME [PORT] [extra s_client args]: s_client -status, stdin closed so it ends after the handshake.
tls_client() {
  local name=$1 port=${2:-443}; shift 2 || shift $#
  in_ns "$NS_CLI" timeout 10 openssl s_client -connect "$name:$port" -servername "$name" -status \
    -CAfile "${CAFILE:-$PKI/root.pem}" "$@" </dev/null >"$WORK/s_client.last" 2>&1 || true
  cat "$WORK/s_client.last" >>"$WORK/clients.log"
}

# ocsp_client LEAF SECONDS [extra openssl ocsp args]: a POST check for LEAF against the AIA URL.
ocsp_client() {
  local leaf=$1 secs=$2; shift 2
  local rc=0
  in_ns "$NS_CLI" timeout "$secs" openssl ocsp -issuer "$PKI/intermediate.pem" -cert "$PKI/$leaf.pem" \
    -url "${OCSP_URL:-http://ocsp.pki.example/}" -CAfile "$PKI/root.pem" "$@" >"$WORK/ocsp.last" 2>&1 || rc=$?
  { echo "== openssl ocsp $leaf rc=$rc"; cat "$WORK/ocsp.last"; } >>"$WORK/clients.log"
  OCSP_RC=$rc
}
