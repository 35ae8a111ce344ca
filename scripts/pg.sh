#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for tests and benchmarks.
#   scripts/pg.sh start DIR PORT   prints the database URL
#   scripts/pg.sh stop DIR
set -euo pipefail

bindir() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then pg_config --bindir; return; fi
  local newest
  newest=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$newest" ]; then echo "$newest"; return; fi
  dirname "$(command -v initdb)"
}

# PostgreSQL refuses to run as root: run it as the postgres system user then.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  local dir=$1 port=$2 bin
  bin=$(bindir)
  [ -d "$dir" ] && stop "$dir" >/dev/null 2>&1 || true
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync >/dev/null
  # Speed over durability: this database is thrown away after the run.
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
CONF
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w start >/dev/null
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres careplan_test
  echo "postgresql+psycopg://postgres@127.0.0.1:$port/careplan_test"
}

stop() {
  local dir=$1 bin
  bin=$(bindir)
  if [ -f "$dir/data/postmaster.pid" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true; fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start "$2" "${3:-55432}" ;;
  stop) stop "$2" ;;
  *) echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
