#!/usr/bin/env bash
# Start a throw-away PostgreSQL cluster on 127.0.0.1 for the register tests and print the URL.
# Usage: eval "$(bash .ci/postgres.sh)"  (sets HAZARD_TEST_POSTGRES_URL). Installs Debian's postgresql
# when it is missing. The cluster lives in a temporary folder and is stopped by the caller's trap.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
data=$(mktemp -d /tmp/hazard-pg.XXXXXX)
chown postgres "$data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
su postgres -s /bin/sh -c "$bin/initdb -D $data -A trust -U postgres -E UTF8 --locale=C.UTF-8" >&2
su postgres -s /bin/sh -c "$bin/pg_ctl -D $data -o \"-h 127.0.0.1 -p $port -k $data\" -l $data/log -w start" >&2
echo "export HAZARD_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
echo "export HAZARD_TEST_PG_STOP=\"su postgres -s /bin/sh -c '$bin/pg_ctl -D $data -m fast stop'\""
