#!/usr/bin/env bash
# Installs everything the project needs, idempotently: system packages (Debian), the
# Python virtualenv with pinned dependencies, and the front-end assets from npm.
#   scripts/setup.sh              everything (tests need PostgreSQL and Chromium)
#   scripts/setup.sh --no-browser skip Chromium (running the service does not need it)
# CAREPLAN_SKIP_SYSTEM=1 skips the system packages.
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=1
[ "${1:-}" = "--no-browser" ] && want_browser=0

have_postgres() {
  # The server binaries and the postgres system user the test server runs as.
  { command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } \
    && id postgres >/dev/null 2>&1
}

system_packages() {
  [ "${CAREPLAN_SKIP_SYSTEM:-0}" = "1" ] && return
  command -v apt-get >/dev/null 2>&1 || { echo "setup: not Debian; install PostgreSQL and Chromium yourself"; return; }
  local missing=()
  have_postgres || missing+=(postgresql)
  if [ "$want_browser" = 1 ] && ! command -v chromium >/dev/null 2>&1; then missing+=(chromium); fi
  [ ${#missing[@]} -eq 0 ] && return
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

python_packages() {
  [ -x .venv/bin/python ] || python3 -m venv .venv
  if [ ! -f .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
    echo "setup: installing Python packages"
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e '.[dev]'
    touch .venv/.installed
  fi
}

npm_assets() {
  [ -f package.json ] || return 0
  if [ ! -d node_modules ] || [ package.json -nt node_modules ] || [ package-lock.json -nt node_modules ]; then
    echo "setup: installing npm packages"
    if [ -f package-lock.json ]; then npm ci --silent --no-audit --no-fund; else npm install --silent --no-audit --no-fund; fi
    touch node_modules
  fi
  [ -x scripts/vendor_assets.sh ] && bash scripts/vendor_assets.sh
  return 0
}

system_packages
python_packages
npm_assets
