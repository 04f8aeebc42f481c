#!/usr/bin/env bash
# Stops the server started by scripts/pg-start.sh and removes its directory. Usage: pg-stop.sh DIR
set -euo pipefail
dir=$1
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
su postgres -s /bin/sh -c "$pgbin/pg_ctl -D $dir/data -m fast stop >/dev/null" || true
rm -rf "$dir"
