#!/usr/bin/env bash
# Installs everything the project needs, idempotently, and does nothing slow when it is
# already done:
#   1. system packages (Debian/Ubuntu): PostgreSQL server for the tests, rsyslog for the
#      audit witness tests (a syslog collector they start themselves), haproxy for the
#      fault suite's load balancer, Chromium for the browser tests;
#   2. the Python virtualenv .venv with the pinned dependencies and the dev tools;
#   3. the npm packages from package-lock.json, copied into careplan/static/vendor/.
#
#   scripts/setup.sh               everything
#   scripts/setup.sh --no-browser  without Chromium (running the service does not need it)
#   scripts/setup.sh --no-postgres without the servers only the tests start (PostgreSQL,
#                                  rsyslog, haproxy); serving on SQLite needs none)
#   CAREPLAN_SKIP_SYSTEM=1         skip the system packages (install them yourself)
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=1
want_postgres=1
for arg in "$@"; do
  case "$arg" in
    --no-browser) want_browser=0 ;;
    --no-postgres) want_postgres=0 ;;
    *) echo "usage: $0 [--no-browser] [--no-postgres]" >&2; exit 2 ;;
  esac
done

say() { echo "setup: $*"; }

# Runs a noisy installer and shows its output only if it fails.
quietly() {
  local log
  log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    say "failed: $*" >&2
    exit 1
  fi
  rm -f "$log"
}

# --- 1. system packages -------------------------------------------------------------

have_postgres() {
  # initdb and pg_ctl, in PATH (e.g. /usr/local/bin) or where Debian puts the server.
  { command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; } \
    || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1
}

have_rsyslog() {
  # The audit witness tests run their own rsyslogd (RFC 5424 over TCP on loopback).
  command -v rsyslogd >/dev/null 2>&1 || [ -x /usr/sbin/rsyslogd ]
}

# A shared library the dynamic linker knows (ldconfig's cache).
have_library() {
  /sbin/ldconfig -p 2>/dev/null | grep -q "$1"
}

have_chromium() {
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1
}

system_packages() {
  if [ "${CAREPLAN_SKIP_SYSTEM:-0}" = "1" ]; then return 0; fi
  local missing=()
  # The servers only the tests start (serving the demo on SQLite needs none of them):
  # PostgreSQL, rsyslog (the audit witness tests' collector) and haproxy (the fault
  # suite's load balancer, as production runs one in front); and valgrind, with which
  # bench/instructions.py counts a request's instructions (its test runs it).
  if [ "$want_postgres" = 1 ]; then
    have_postgres || missing+=(postgresql)
    have_rsyslog || missing+=(rsyslog)
    command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
    command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
  fi
  if [ "$want_browser" = 1 ] && ! have_chromium; then missing+=(chromium); fi
  # The plan on paper (WeasyPrint, careplan.web.pdf) lays text out with Pango and subsets
  # fonts with HarfBuzz (WeasyPrint's own install notes for Debian); a font with wide
  # coverage so names print in any script.
  have_library libpango-1.0.so.0 || missing+=(libpango-1.0-0)
  have_library libpangoft2-1.0.so.0 || missing+=(libpangoft2-1.0-0)
  have_library libharfbuzz-subset.so.0 || missing+=(libharfbuzz-subset0)
  [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
  # Debian splits venv support out of python3.
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
  if [ ${#missing[@]} -gt 0 ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
      say "not Debian/Ubuntu: please install ${missing[*]} yourself" >&2
      return 0
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
      command -v sudo >/dev/null 2>&1 || { say "need root or sudo to install ${missing[*]}" >&2; exit 1; }
      sudo=(sudo)
    fi
    say "installing ${missing[*]} (apt-get)"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # The test server runs as the postgres system user when we are root (scripts/pg.sh).
  # The Debian package creates it; PostgreSQL binaries from elsewhere may not have.
  if [ "$want_postgres" = 1 ] && [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    say "creating the postgres system user"
    useradd --system --user-group --home-dir /nonexistent --shell /usr/sbin/nologin postgres
  fi
}

# --- 2. Python ----------------------------------------------------------------------

python_packages() {
  local stamp=.venv/.careplan-installed
  # A venv whose interpreter has gone (python3 moved or was upgraded) is rebuilt.
  if [ -d .venv ] && ! .venv/bin/python -c '' >/dev/null 2>&1; then
    say "rebuilding a broken .venv"
    rm -rf .venv
  fi
  if [ ! -x .venv/bin/python ]; then
    say "creating .venv"
    quietly python3 -m venv --upgrade-deps .venv
  fi
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    say "installing Python packages (pip install -e '.[dev]')"
    quietly .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
    touch "$stamp"
  fi
}

# --- 3. npm assets ------------------------------------------------------------------

npm_assets() {
  [ -f package.json ] || return 0
  command -v npm >/dev/null 2>&1 || { say "npm (Node.js 20) is needed for the front-end assets" >&2; exit 1; }
  local stamp=node_modules/.careplan-installed
  if [ ! -f "$stamp" ] || [ package.json -nt "$stamp" ] \
    || { [ -f package-lock.json ] && [ package-lock.json -nt "$stamp" ]; }; then
    say "installing npm packages"
    if [ -f package-lock.json ]; then
      quietly npm ci --no-audit --no-fund
    else
      quietly npm install --no-audit --no-fund
    fi
    touch "$stamp"
  fi
  bash scripts/vendor_assets.sh
}

system_packages
python_packages
npm_assets
