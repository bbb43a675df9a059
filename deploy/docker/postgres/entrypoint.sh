#!/bin/sh
# Runs PostgreSQL 15 in the foreground on a cluster in /var/lib/cpe-postgres,
# made on the first start with the role and database $POSTGRES_CPE_USER
# (default cpe), password $POSTGRES_CPE_PASSWORD (or the file named by
# $POSTGRES_CPE_PASSWORD_FILE), reachable with that password from other
# containers. SIGTERM stops it cleanly (fast shutdown).
set -eu
bin=/usr/lib/postgresql/15/bin
data=/var/lib/cpe-postgres/15
user="${POSTGRES_CPE_USER:-cpe}"
if [ -n "${POSTGRES_CPE_PASSWORD_FILE:-}" ]; then
  POSTGRES_CPE_PASSWORD="$(cat "$POSTGRES_CPE_PASSWORD_FILE")"
fi
: "${POSTGRES_CPE_PASSWORD:?set POSTGRES_CPE_PASSWORD or POSTGRES_CPE_PASSWORD_FILE}"

if [ ! -s "$data/PG_VERSION" ]; then
  "$bin/initdb" -D "$data" --auth-local=peer --auth-host=scram-sha-256 -E UTF8 >/dev/null
  echo "listen_addresses = '*'" >> "$data/postgresql.conf"
  echo "host all all 0.0.0.0/0 scram-sha-256" >> "$data/pg_hba.conf"
  "$bin/pg_ctl" -D "$data" -o "-c listen_addresses='' -c unix_socket_directories=/run/postgresql" \
    -w start >/dev/null
  "$bin/psql" -h /run/postgresql -p 5432 -d postgres -v ON_ERROR_STOP=1 -q -v user="$user" -v password="$POSTGRES_CPE_PASSWORD" <<'SQL'
CREATE ROLE :"user" LOGIN PASSWORD :'password';
CREATE DATABASE :"user" OWNER :"user";
SQL
  "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
  echo "cpe-postgres: cluster made, role and database $user"
fi
exec "$bin/postgres" -D "$data" -c unix_socket_directories=/run/postgresql
