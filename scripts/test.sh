#!/usr/bin/env bash
# THE test command (README, CI): setup, lint, dependency audit, migrations against the
# models, then the test suite on SQLite and again on a throwaway PostgreSQL server.
# Stops at the first failing step. Extra arguments go to both pytest runs, e.g.
#   scripts/test.sh -x -k consent
# Environment:
#   CAREPLAN_TEST_PG_PORT   first port to try for the test PostgreSQL (default 55432)
#   CAREPLAN_TEST_WORKERS   pytest-xdist workers for each pass (default auto: one per core)
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
current="start"
scratch=""
pgdir=""

elapsed() { echo $(( $(date +%s) - started )); }
step() {
  current=$1
  printf '\n==> %s  [%ss]\n' "$1" "$(elapsed)"
}

# Always: stop the test database and remove scratch files, then say how it ended.
finish() {
  local rc=$?
  if [ -n "$pgdir" ]; then bash scripts/pg.sh stop "$pgdir" >/dev/null 2>&1 || true; fi
  if [ -n "$scratch" ]; then rm -rf "$scratch"; fi
  if [ "$rc" -eq 0 ]; then
    printf '\n==> test.sh: all steps passed in %ss\n' "$(elapsed)"
  else
    printf '\n==> test.sh: FAILED at step "%s" (exit %s) after %ss\n' "$current" "$rc" "$(elapsed)" >&2
  fi
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

step "setup"
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
PY=.venv/bin/python
scratch=$(mktemp -d /tmp/careplan-test.XXXXXX)

step "ruff check"
ruff check .

step "ruff format --check"
ruff format --check .

step "import contracts (lint-imports)"
lint-imports --no-cache

step "Containerfile (hadolint)"
hadolint Containerfile

step "pip-audit (pinned dependencies)"
# Audit exactly what is installed from the package index: every distribution in .venv
# except the project itself. Known vulnerabilities fail the run. Where pip-audit cannot reach
# its vulnerability service it audits nothing: say so loudly rather than pass in silence
# (this project's build machines reach package registries only).
"$PY" -m pip freeze --exclude-editable --local --disable-pip-version-check >"$scratch/requirements.txt"
audit_rc=0
pip-audit --progress-spinner off --no-deps --disable-pip -r "$scratch/requirements.txt" \
  >"$scratch/audit.log" 2>&1 || audit_rc=$?
# Its verdict line, read without a pipe: under pipefail, `grep | head` fails with SIGPIPE
# (exit 141) whenever the log has more lines than head takes.
awk '!/encouraged to fully hash|pip-compile/ { print; exit }' "$scratch/audit.log"
if [ "$audit_rc" -ne 0 ]; then
  cat "$scratch/audit.log" >&2
  exit 1
fi
if grep -q "could not be audited" "$scratch/audit.log"; then
  echo "WARNING: pip-audit could not reach its vulnerability service: dependencies NOT audited"
fi

step "migrations match the models (flask db upgrade + db check)"
if [ -d migrations ]; then
  # A fresh SQLite database in a scratch instance folder, with scratch keys, so nothing
  # outside the run is read or written.
  db_env=(env -u DATABASE_URL -u TEST_DATABASE_URL
    CAREPLAN_INSTANCE="$scratch/instance"
    CAREPLAN_AUDIT_KEY_FILE="$scratch/keys/audit.pem"
    CAREPLAN_DATA_KEYS_FILE="$scratch/keys/data-keys.json")
  "${db_env[@]}" flask --app careplan db upgrade
  "${db_env[@]}" flask --app careplan db check
else
  echo "!!!!!!!! WARNING: no migrations/ folder yet: migration check SKIPPED !!!!!!!!" >&2
fi

# pytest's exit 5 means it collected no tests: a test run that tested nothing fails.
run_pytest() {
  local rc=0
  "$PY" -m pytest "$@" || rc=$?
  if [ "$rc" -eq 5 ]; then
    echo "pytest collected no tests: counted as a failure" >&2
    exit 1
  fi
  return "$rc"
}

# Both passes run on every core (pytest-xdist; CAREPLAN_TEST_WORKERS, default "auto"):
# a module's tests stay together on one worker, the browser tests all on one, in order
# (tests/conftest.py marks the groups); each worker has its own database.
parallel=(-n "${CAREPLAN_TEST_WORKERS:-auto}" --dist loadgroup)

step "tests on SQLite (browser tests included)"
# The suite reads TEST_DATABASE_URL: absent means SQLite. The browser tests (Chromium through
# Playwright against the service on a loopback port) run in this pass only; the fault
# suite (tests/faults: haproxy, gunicorn, a PostgreSQL server of its own) does not.
unset TEST_DATABASE_URL
run_pytest -m "not faults" "${parallel[@]}" "$@"

step "tests on PostgreSQL"
# The first free port from CAREPLAN_TEST_PG_PORT (default 55432), so two runs can coexist.
port=${CAREPLAN_TEST_PG_PORT:-55432}
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
  port=$((port + 1))
done
# Its own folder: pg.sh hands it to the postgres user, who cannot enter $scratch.
pgdir=$(mktemp -d /tmp/careplan-pg.XXXXXX)
url=$(bash scripts/pg.sh start "$pgdir" "$port")
echo "test database: $url"
export TEST_DATABASE_URL="$url"
# The pages and their access rules are checked here too; the browser walk is not repeated.
# The fault suite runs here (figures in build/faults/figures.json), on its own server on
# the next free port.
fault_port=$((port + 1))
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$fault_port") 2>/dev/null || break
  fault_port=$((fault_port + 1))
done
export CAREPLAN_FAULTS_PG_PORT=$fault_port
run_pytest -m "not browser and not faults" "${parallel[@]}" "$@"

step "fault suite on PostgreSQL"
# Alone, on an otherwise idle machine: it times restarts and drains, and a second worker's
# load beside it would only measure the load. With extra arguments (scripts/test.sh -k x)
# it may select nothing, which is not a failure here.
if [ "$#" -eq 0 ]; then
  run_pytest -m faults
else
  rc=0
  "$PY" -m pytest -m faults "$@" || rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 5 ]; then exit "$rc"; fi
fi
