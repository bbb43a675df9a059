#!/usr/bin/env bash
# Starts the local PostgreSQL 15 cluster (Debian's postgresql package) on
# 127.0.0.1:5432, unless it already runs, with TLS on (ssl = on, TLS 1.2 at
# least, the development certificates of deploy/local/server-tls.sh, so that
# clients can connect with sslmode=verify-full), and makes sure the role and
# the databases the system and its tests use exist:
#   role cpe (password cpe), databases cpe and cpe_test.
# Works without systemd; idempotent.
set -euo pipefail

if ! pg_lsclusters -h 2>/dev/null | grep -q "^15 *main"; then
  pg_createcluster 15 main >/dev/null
fi

# TLS: settings in the cluster's conf.d, which Debian's postgresql.conf
# includes; a running cluster takes them on reload.
key=/var/lib/postgresql/cpe-dev-tls/server.key
bash "$(dirname "$0")/server-tls.sh" "$key" postgres
tls_conf=/etc/postgresql/15/main/conf.d/cpe-dev-tls.conf
tls_settings="ssl = on
ssl_cert_file = '/etc/cpe-dev-tls/server.pem'
ssl_key_file = '$key'
ssl_min_protocol_version = 'TLSv1.2'"
reload=no
if [[ "$(cat "$tls_conf" 2>/dev/null)" != "$tls_settings" ]]; then
  mkdir -p "$(dirname "$tls_conf")"
  echo "$tls_settings" >"$tls_conf"
  reload=yes
fi

if ! pg_lsclusters -h | awk '$1 == 15 && $2 == "main" {print $4}' | grep -q online; then
  pg_ctlcluster 15 main start
elif [[ "$reload" == yes ]]; then
  pg_ctlcluster 15 main reload
fi
for _ in $(seq 1 60); do
  su postgres -c "pg_isready -q -h 127.0.0.1 -p 5432" && break
  sleep 0.5
done

# Over the local socket: peer authentication, no password for postgres.
psql_admin() { su postgres -c "psql -v ON_ERROR_STOP=1 -qtA -p 5432 $*"; }
if [[ -z $(psql_admin "-c \"SELECT 1 FROM pg_roles WHERE rolname = 'cpe'\"") ]]; then
  psql_admin "-c \"CREATE ROLE cpe LOGIN PASSWORD 'cpe'\""
fi
for db in cpe cpe_test; do
  if [[ -z $(psql_admin "-c \"SELECT 1 FROM pg_database WHERE datname = '$db'\"") ]]; then
    psql_admin "-c \"CREATE DATABASE $db OWNER cpe\""
  fi
done
echo "start-postgres: PostgreSQL is ready on 127.0.0.1:5432, TLS on (role cpe, databases cpe, cpe_test)"
