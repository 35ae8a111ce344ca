#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback, for tests and benchmarks.
#
#   scripts/pg.sh start DIR [PORT]   prints postgresql+psycopg://postgres@127.0.0.1:PORT/careplan_test
#   scripts/pg.sh stop DIR           stops the server and deletes DIR
#
# DIR holds the cluster (DIR/data), its log (DIR/log) and its unix socket. Only TCP on
# 127.0.0.1 is accepted, without a password (trust). Roles: "postgres" (superuser, in the
# URL) and "careplan" (LOGIN, no superuser) for tests that must not bypass privileges.
# Durability is switched off for speed: the data is thrown away after the run.
set -euo pipefail

MARKER=.careplan-pg  # written into DIR, so stop never deletes a folder it did not make

die() { echo "pg.sh: $*" >&2; exit 1; }

# Server binaries: pg_config's, else the newest Debian cluster version, else PATH.
bindir() {
  local dir
  if command -v pg_config >/dev/null 2>&1; then
    dir=$(pg_config --bindir 2>/dev/null || true)
    if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return; fi
  fi
  dir=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
  command -v initdb >/dev/null 2>&1 || die "no PostgreSQL server binaries found (run scripts/setup.sh)"
  dirname "$(readlink -f "$(command -v initdb)")"
}

# initdb and postgres refuse to run as root: as root, run them as the postgres system user.
# cd / so that user need not be able to read the caller's working directory.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root needs the postgres system user (run scripts/setup.sh)"
    if command -v runuser >/dev/null 2>&1; then
      (cd / && runuser -u postgres -- "$@")
    else
      # shellcheck disable=SC2016  # $0 and $@ are for the inner shell
      (cd / && su postgres -s /bin/sh -c '"$0" "$@"' -- "$@")
    fi
  else
    (cd / && "$@")
  fi
}

# Refuse to wipe a non-empty folder that this script did not create.
check_ours() {
  local dir=$1
  case "$dir" in /|"") die "refusing to use '$dir'" ;; esac
  if [ -d "$dir" ] && [ ! -f "$dir/$MARKER" ] && [ -n "$(ls -A "$dir")" ]; then
    die "$dir is not empty and was not made by pg.sh; refusing to touch it"
  fi
}

start() {
  local dir=$1 port=$2 bin psql
  bin=$(bindir)
  psql=("$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres)
  check_ours "$dir"
  # A folder left by a killed run: stop its server and start clean.
  if [ -d "$dir" ]; then stop "$dir"; fi
  mkdir -p "$dir"
  touch "$dir/$MARKER"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$dir"
    as_owner test -w "$dir" 2>/dev/null \
      || die "the postgres user cannot write $dir (is a parent folder private to root?)"
  fi

  # C.UTF-8 where the system has it: byte-order sorting like C, but Unicode-aware
  # upper()/lower()/ILIKE for names such as Seònaid.
  local locale=(--no-locale)
  if locale -a 2>/dev/null | grep -iE '^c\.utf-?8$' >/dev/null; then locale=(--locale=C.UTF-8); fi
  as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 "${locale[@]}" \
    --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  # Loopback TCP only; no line for the unix socket, so nothing else gets in.
  as_owner sh -c "printf '%s\n' 'host all all 127.0.0.1/32 trust' >'$dir/data/pg_hba.conf'"
  as_owner sh -c "cat >>'$dir/data/postgresql.conf'" <<CONF

# pg.sh: a throwaway test server
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
unix_socket_permissions = 0700
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
CONF

  if ! as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start >/dev/null; then
    tail -n 20 "$dir/log" >&2 || true
    die "PostgreSQL did not start on 127.0.0.1:$port (port taken?)"
  fi
  "${psql[@]}" -d postgres -c "CREATE ROLE careplan LOGIN" \
    -c "CREATE DATABASE careplan_test" \
    -c "GRANT ALL ON DATABASE careplan_test TO careplan" >/dev/null
  "${psql[@]}" -d careplan_test -c "GRANT ALL ON SCHEMA public TO careplan" >/dev/null
  echo "postgresql+psycopg://postgres@127.0.0.1:$port/careplan_test"
}

stop() {
  local dir=$1 bin
  [ -d "$dir" ] || return 0
  check_ours "$dir"
  if [ -f "$dir/data/postmaster.pid" ]; then
    bin=$(bindir)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start)
    [ $# -ge 2 ] || die "usage: $0 start DIR [PORT]"
    start "$(realpath -m "$2")" "${3:-55432}"
    ;;
  stop)
    [ $# -ge 2 ] || die "usage: $0 stop DIR"
    stop "$(realpath -m "$2")"
    ;;
  *) echo "usage: $0 start DIR [PORT] | stop DIR" >&2; exit 2 ;;
esac
