#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the tests: initdb into a temp dir as the unprivileged
# `postgres` user, listening only on 127.0.0.1 on a free port. Prints two lines: the URL and the
# data directory (give it to scripts/pg-stop.sh). PG_MAX_CONNECTIONS (default 200) raises the
# connection limit, e.g. for benches/bin/fleet_bench.rs with 64 worker processes.
set -euo pipefail
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
dir=$(mktemp -d /tmp/casiscan-pg.XXXXXX)
chown postgres "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
su postgres -s /bin/sh -c "$pgbin/initdb -D $dir/data -A trust -U casiscan -E UTF8 >$dir/initdb.log 2>&1"
su postgres -s /bin/sh -c "$pgbin/pg_ctl -D $dir/data -l $dir/server.log -w -o \"-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=${PG_MAX_CONNECTIONS:-200} -c fsync=off\" start >/dev/null"
echo "postgres://casiscan@127.0.0.1:$port/postgres"
echo "$dir"
