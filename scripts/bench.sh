#!/usr/bin/env bash
# THE benchmark command (issue #8): national-size data set, plan view under load (API, web
# page and baseline: throughput and CPU time per request) against its baseline, IG queries,
# verification, worker memory, four processes under mixed load.
# Results: bench/results/national.{md,json} and profile.{md,json}. Arguments go to bench.run, e.g.
#   scripts/bench.sh --scale 0.01 --seconds 3 --memory-requests 2000 --mixed-seconds 10
#   scripts/bench.sh --plan-view-only --rounds 5 --results NAME   (the plan view alone, no profile)
# Environment:
#   CAREPLAN_BENCH_DATA    folder for the data set (default: a scratch folder, removed after)
#   CAREPLAN_BENCH_PG_PORT first port to try for the throwaway PostgreSQL (default 55632)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh >/dev/null
# The load generator: Debian's wrk, installed when missing.
if ! command -v wrk >/dev/null 2>&1; then
  echo "bench: installing wrk" >&2
  if [ "$(id -u)" -eq 0 ]; then apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
  else sudo apt-get install -y wrk >/dev/null; fi
fi

# The profiler for "where the time goes" (bench/profile.py): from PyPI, into .venv only.
if [ ! -x .venv/bin/py-spy ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check py-spy==0.4.3
fi

scratch=$(mktemp -d /tmp/careplan-bench.XXXXXX)
data=${CAREPLAN_BENCH_DATA:-$scratch/data}
pgdir=$(mktemp -d /tmp/careplan-bench-pg.XXXXXX)
finish() {
  bash scripts/pg.sh stop "$pgdir" >/dev/null 2>&1 || true
  rm -rf "$scratch"
}
trap finish EXIT
trap 'exit 130' INT TERM

# The first free port from CAREPLAN_BENCH_PG_PORT; a few more tries if the bind still
# fails (a busy machine may hand the port out as a client's ephemeral port meanwhile).
port=${CAREPLAN_BENCH_PG_PORT:-55632}
url=""
for _ in $(seq 5); do
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
    port=$((port + 1))
  done
  if url=$(bash scripts/pg.sh start "$pgdir" "$port" 2>"$scratch/pg-start.log"); then break; fi
  url=""
  port=$((port + 7))
done
[ -n "$url" ] || { cat "$scratch/pg-start.log" >&2; exit 1; }
rm -rf "$data" && mkdir -p "$data"
.venv/bin/python -m bench.run --data "$data" --pg "$url" --progress "$@"
# Where a plan view's time goes, on the same data (SQLite): bench/results/profile.md
# (NAME-profile.md when --results NAME was given).
profile=profile
previous=""
for arg in "$@"; do
  if [ "$previous" = "--results" ]; then profile="$arg-profile"; fi
  if [ "$arg" = "--plan-view-only" ]; then exit 0; fi
  previous=$arg
done
.venv/bin/python -m bench.profile --data "$data" --name "$profile"
