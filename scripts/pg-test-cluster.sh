#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the PostgreSQL store's tests (CI and local use).
#
#   scripts/pg-test-cluster.sh start   # initdb + start on 127.0.0.1:$PGPORT, create the database,
#                                      # print the URL to export as FEEDWRIGHT_TEST_PG_URL
#   scripts/pg-test-cluster.sh url     # print that URL again
#   scripts/pg-test-cluster.sh stop    # stop the server and delete the cluster
#   scripts/pg-test-cluster.sh pause   # stop the server, keeping the cluster (a database outage, for tests)
#   scripts/pg-test-cluster.sh resume  # start the paused server again
#
# Environment: FEEDWRIGHT_PG_DIR (cluster folder, default /tmp/feedwright-pg-test),
# FEEDWRIGHT_PG_PORT (default 54329), FEEDWRIGHT_PG_BIN (the server's bin folder; default the
# newest /usr/lib/postgresql/*/bin, else the folder of `initdb` on PATH).
# As root the server runs as the `postgres` user (initdb and postgres refuse root). Trust
# authentication on loopback only: a test cluster, never one holding data.
set -euo pipefail

dir="${FEEDWRIGHT_PG_DIR:-/tmp/feedwright-pg-test}"
port="${FEEDWRIGHT_PG_PORT:-54329}"
db=feedwright_test
bin="${FEEDWRIGHT_PG_BIN:-}"
if [ -z "$bin" ]; then
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -z "$bin" ] && command -v initdb >/dev/null; then bin="$(dirname "$(command -v initdb)")"; fi
fi
[ -x "$bin/initdb" ] || { echo "pg-test-cluster: no PostgreSQL server found (install Debian's postgresql, or set FEEDWRIGHT_PG_BIN)" >&2; exit 1; }

# Runs a command as the cluster's owner: postgres when we are root, else ourselves.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
owner="$(if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi)"
url="postgres://${owner}@127.0.0.1:${port}/${db}"

# Starts the server of the cluster in $dir (sockets in the cluster folder, not
# /var/run/postgresql, which may not exist; TCP on loopback).
server_start() {
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c max_connections=200" start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
}

case "${1:-}" in
  start)
    if [ -e "$dir" ]; then echo "pg-test-cluster: $dir exists; run '$0 stop' first" >&2; exit 1; fi
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U "$owner" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    server_start
    as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$owner" "$db"
    echo "$url"
    ;;
  url)
    echo "$url"
    ;;
  pause)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  resume)
    server_start
    ;;
  stop)
    if [ -d "$dir/data" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|url|stop|pause|resume" >&2
    exit 2
    ;;
esac
