#!/usr/bin/env bash
# Prepares a fresh machine for `npm test`: the Debian packages whose Python libraries the
# numerical checks run fixes with (under Debian's own /usr/bin/python3), then the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(python3-numpy python3-scipy python3-torch)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done

if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages; run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
fi

npm ci
