#!/usr/bin/env bash
# Installs the Debian 12 packages revoscope needs to build and test. Run as root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PKGS=(build-essential cmake pkg-config libpcap-dev libssl-dev libboost-program-options-dev libboost-dev
      catch2 nlohmann-json3-dev libfmt-dev zlib1g-dev openssl tshark tcpdump wireshark-common)
if [[ "${1:-}" == "--test" ]]; then
  PKGS+=(iproute2 iptables nginx tinyproxy curl gnutls-bin python3 clang libclang-rt-14-dev chromium)
fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
