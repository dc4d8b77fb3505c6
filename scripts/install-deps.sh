#!/usr/bin/env bash
# Installs every Debian package tmtrace needs to build, test and demo (Debian bookworm, run as root).
# Idempotent: a machine that already has them pays only one dpkg query.
set -euo pipefail
pkgs=(clang-19 llvm-19-dev llvm-19-tools libclang-rt-19-dev lld-19 libgtest-dev googletest libgmock-dev
      libunwind-dev cmake ninja-build make python3 valgrind)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages (${missing[*]}); run this script as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
