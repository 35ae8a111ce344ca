#!/usr/bin/env bash
# Installs what is needed and runs the service with the demo world at http://127.0.0.1:PORT
# (the demo sign-ins are printed before it starts).
#
#   scripts/serve.sh                 port 5000, or $PORT
#   scripts/serve.sh --port 8080     another port
#
# CAREPLAN_INSTANCE (default ./instance) is the whole demo: the SQLite database and the
# demo's keys (the audit signing key and the data keys), so deleting the folder starts
# afresh and copying it moves the demo. Set DATABASE_URL to use another database, or
# CAREPLAN_AUDIT_KEY_FILE / CAREPLAN_DATA_KEYS_FILE for keys elsewhere. Serving installs
# no PostgreSQL server (a PostgreSQL DATABASE_URL names a server that runs elsewhere).
set -euo pipefail
cd "$(dirname "$0")/.."

port="${PORT:-5000}"
while [ $# -gt 0 ]; do
  case "$1" in
    --port) [ $# -ge 2 ] || { echo "usage: $0 [--port N]" >&2; exit 2; }; port="$2"; shift 2 ;;
    --port=*) port="${1#--port=}"; shift ;;
    *) echo "usage: $0 [--port N]" >&2; exit 2 ;;
  esac
done
case "$port" in
  ''|*[!0-9]*) echo "serve: the port must be a number from 1 to 65535 (got '$port')" >&2; exit 2 ;;
esac
if [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
  echo "serve: the port must be a number from 1 to 65535 (got '$port')" >&2
  exit 2
fi

# No Chromium and no PostgreSQL server: only the tests need them.
bash scripts/setup.sh --no-browser --no-postgres

export CAREPLAN_INSTANCE="${CAREPLAN_INSTANCE:-$PWD/instance}"
mkdir -p "$CAREPLAN_INSTANCE"
export CAREPLAN_AUDIT_KEY_FILE="${CAREPLAN_AUDIT_KEY_FILE:-$CAREPLAN_INSTANCE/audit-signing-key.pem}"
export CAREPLAN_DATA_KEYS_FILE="${CAREPLAN_DATA_KEYS_FILE:-$CAREPLAN_INSTANCE/data-keys.json}"
# A demo made before its keys lived here kept them under ~/.local/share/careplan/<tag>
# (careplan/config.py): bring them into the folder once, so its data and log still open.
if [ ! -f "$CAREPLAN_AUDIT_KEY_FILE" ] && [ -f "$CAREPLAN_INSTANCE/careplan.sqlite" ]; then
  old=$(.venv/bin/python - "$CAREPLAN_INSTANCE" <<'PY'
import hashlib, sys
from pathlib import Path
print(Path.home() / ".local/share/careplan" / hashlib.sha256(str(Path(sys.argv[1]).resolve()).encode()).hexdigest()[:12])
PY
)
  if [ -f "$old/audit-signing-key.pem" ]; then
    echo "serve: moving this demo's keys into $CAREPLAN_INSTANCE"
    install -m 600 "$old/audit-signing-key.pem" "$CAREPLAN_AUDIT_KEY_FILE"
    [ -f "$old/data-keys.json" ] && install -m 600 "$old/data-keys.json" "$CAREPLAN_DATA_KEYS_FILE"
  fi
fi
.venv/bin/flask --app careplan db upgrade
.venv/bin/flask --app careplan demo load
exec .venv/bin/flask --app careplan run --host 127.0.0.1 --port "$port"
