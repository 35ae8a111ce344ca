#!/usr/bin/env bash
# The whole test suite: lint, dependency audit, migrations against the models, then the
# tests on SQLite and again on a throwaway PostgreSQL server. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
step() { printf '\n==> %s\n' "$*"; }

step "setup"
bash scripts/setup.sh
PY=.venv/bin/python
export PATH="$PWD/.venv/bin:$PATH"

step "ruff"
ruff check .
ruff format --check .

step "pip-audit (pinned dependencies)"
# The project itself is not on PyPI: audit everything installed except it. Where the
# vulnerability service cannot be reached pip-audit audits nothing; say so loudly rather
# than pass in silence (this workplace reaches package registries only).
audit_out=$(pip-audit --progress-spinner off --skip-editable 2>&1) || { echo "$audit_out"; exit 1; }
echo "$audit_out" | head -n 1
if echo "$audit_out" | grep -q "could not be audited"; then
  echo "WARNING: pip-audit could not reach its vulnerability service; dependencies NOT audited"
fi

step "migrations match the models (alembic check)"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
CAREPLAN_INSTANCE="$scratch" DATABASE_URL="" flask --app careplan db upgrade
CAREPLAN_INSTANCE="$scratch" DATABASE_URL="" flask --app careplan db check

run_pytest() {
  local rc=0
  "$PY" -m pytest "$@" || rc=$?
  if [ "$rc" -eq 5 ]; then echo "pytest collected no tests: that is a failure" >&2; exit 1; fi
  [ "$rc" -eq 0 ] || exit "$rc"
}

step "tests on SQLite"
run_pytest "$@"

step "tests on PostgreSQL"
pgdir=$(mktemp -d /tmp/careplan-pg.XXXXXX)
port=${CAREPLAN_TEST_PG_PORT:-55432}
trap 'bash scripts/pg.sh stop "$pgdir" >/dev/null 2>&1 || true; rm -rf "$scratch"' EXIT
url=$(bash scripts/pg.sh start "$pgdir" "$port")
TEST_DATABASE_URL="$url" run_pytest "$@"

step "all passed in $(( $(date +%s) - started ))s"
