#!/usr/bin/env bash
# Makes the TLS certificates of the local development servers (RabbitMQ's
# listener on 5671, PostgreSQL's ssl = on) once, with config/gen-dev-certs.sh,
# in one system-wide folder that the servers and the tests both know:
#   /etc/cpe-dev-tls/ca.pem       the CA clients verify the servers with
#   /etc/cpe-dev-tls/server.pem   valid for localhost, 127.0.0.1 and ::1
#   /etc/cpe-dev-tls/server.key   root only; each server gets its own copy
# and copies the key to where a server running as its own user reads it:
#   bash deploy/local/server-tls.sh KEY_COPY OWNER
# Development only: a production broker and database have their own PKI.
set -euo pipefail
dir=/etc/cpe-dev-tls
bash "$(dirname "$0")/../../config/gen-dev-certs.sh" "$dir" >/dev/null
chmod 755 "$dir"
if (($# == 2)); then
  copy="$1" owner="$2"
  mkdir -p "$(dirname "$copy")"
  install -m 600 -o "$owner" -g "$owner" "$dir/server.key" "$copy"
fi
