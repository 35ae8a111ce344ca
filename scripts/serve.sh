#!/usr/bin/env bash
# Installs what is needed and runs the service on SQLite with the demo world at
# http://127.0.0.1:5000 (the demo sign-ins are printed before it starts).
# CAREPLAN_INSTANCE (default ./instance) holds the database; set DATABASE_URL to use
# another database.
set -euo pipefail
cd "$(dirname "$0")/.."

# No Chromium: only the browser tests need it.
bash scripts/setup.sh --no-browser

export CAREPLAN_INSTANCE="${CAREPLAN_INSTANCE:-$PWD/instance}"
.venv/bin/flask --app careplan db upgrade
.venv/bin/flask --app careplan demo load
exec .venv/bin/flask --app careplan run --host 127.0.0.1 --port 5000
