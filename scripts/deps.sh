#!/usr/bin/env bash
# Installs the Debian 12 packages RCDS needs to build, run and test.
# Idempotent: packages already present are left alone, and apt is not even
# asked when nothing is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  clang libclang-rt-14-dev clang-format clang-tidy   # fuzzers, formatting, lint
  libpcap-dev libgtest-dev libgmock-dev nlohmann-json3-dev libcli11-dev
  libyaml-cpp-dev                                   # warrant files (YAML)
  libsqlite3-dev                                    # LEMF store index (src/cib/lemf)
  libnids-dev libnet1-dev tshark tcpdump            # test anchors and independent decoders
  python3 procps libssl-dev openssl               # openssl: asn1parse checks our BER (tests/handover)
  zlib1g-dev                                        # CRC-32 of spool entries (src/handover/spool.cc)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  # tshark asks whether non-root users may capture; the default (no) is fine.
  echo "wireshark-common wireshark-common/install-setuid boolean false" |
    "${sudo_cmd[@]}" debconf-set-selections
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
