#!/usr/bin/env bash
# Starts a PostgreSQL server on loopback for bench/server, with durable
# commits (fsync on, unlike the test server) and memory settings for a
# 40M-observation database, and prints its URL. Stop it with:
#   scripts/bench-pg.sh stop
# Needs Debian's postgresql package (scripts/test.sh installs it).
set -euo pipefail

dir=${CASCADE_BENCH_PG_DIR:-/tmp/cascade-bench-pg}
port=${CASCADE_BENCH_PG_PORT:-55439}
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$pgbin" ] || { echo "bench-pg.sh: no PostgreSQL under /usr/lib/postgresql" >&2; exit 2; }
run_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ "${1:-}" = stop ]; then
  run_pg "$pgbin/pg_ctl" -D "$dir/data" -m fast stop
  rm -rf "$dir"
  exit 0
fi

if [ ! -d "$dir/data" ]; then
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  run_pg "$pgbin/initdb" -D "$dir/data" -U cascade --auth=trust -E UTF8 >/dev/null
fi
run_pg "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-c listen_addresses=127.0.0.1 -c port=$port \
  -c unix_socket_directories=$dir -c shared_buffers=2GB -c max_wal_size=8GB -c checkpoint_timeout=15min \
  -c max_connections=200" start >/dev/null
echo "postgres://cascade@127.0.0.1:$port/postgres?sslmode=disable"
