#!/usr/bin/env bash
# Start (or stop) a throwaway PostgreSQL server on 127.0.0.1 for the test suite.
#   scripts/test-postgres.sh start   -> prints the TEST_POSTGRES_URL to use
#   scripts/test-postgres.sh stop
# Needs Debian's postgresql package (.ci/run installs it). Runs the server as the
# `postgres` user when invoked as root, since PostgreSQL refuses to run as root.
set -euo pipefail

PORT="${TEST_POSTGRES_PORT:-54329}"
DIR="${TEST_POSTGRES_DIR:-/tmp/defector-bot-test-pg}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -n "$BIN" ] || { echo "test-postgres: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}

case "${1:-}" in
  start)
    if [ ! -s "$DIR/data/PG_VERSION" ]; then
      mkdir -p "$DIR"
      [ "$(id -u)" = 0 ] && chown postgres "$DIR"
      as_owner "'$BIN/initdb' -D '$DIR/data' -A trust -U postgres -E UTF8 --locale=C.UTF-8" >/dev/null
    fi
    if ! as_owner "'$BIN/pg_ctl' -D '$DIR/data' status" >/dev/null 2>&1; then
      as_owner "'$BIN/pg_ctl' -D '$DIR/data' -l '$DIR/server.log' -w -o \"-p $PORT -k '$DIR' -c listen_addresses=127.0.0.1 -c fsync=off\" start" >/dev/null
    fi
    as_owner "'$BIN/psql' -h 127.0.0.1 -p $PORT -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname='defector_test'\"" | grep -q 1 \
      || as_owner "'$BIN/createdb' -h 127.0.0.1 -p $PORT -U postgres defector_test"
    echo "postgresql+asyncpg://postgres@127.0.0.1:$PORT/defector_test"
    ;;
  stop)
    as_owner "'$BIN/pg_ctl' -D '$DIR/data' -m fast stop" >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
