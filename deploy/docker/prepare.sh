#!/usr/bin/env bash
# Prepares the compose stack's files, none of which is committed:
#   .env           the pairing (CPE_STORE, CPE_BROKER) and random passwords for
#                  RabbitMQ and PostgreSQL (kept across runs once made)
#   .secrets/tls/  a development CA and a server certificate naming the stack's
#                  services (stub-a, api, api-2), the key readable by the
#                  containers' cpe user (uid 10001) only
#   .secrets/api-token   a token for B's API (caller "operator", every scope),
#                  kept across runs; clients send it as Authorization: Bearer
#   .secrets/auth/api-tokens.properties   its SHA-256 and scopes, all B keeps,
#                  readable by the cpe user only
#   .secrets/credentials/credentials.key  32 random bytes sealing device
#                  credentials, kept across runs, readable by the cpe user only
#   bash deploy/docker/prepare.sh [STORE [BROKER]]     (default: sqlite rabbitmq)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
store="${1:-sqlite}" broker="${2:-rabbitmq}"
case "$store" in memory | sqlite | postgres) ;; *) echo "prepare: unknown store '$store'" >&2; exit 2 ;; esac
case "$broker" in rabbitmq | proton) ;; *) echo "prepare: unknown broker '$broker'" >&2; exit 2 ;; esac

previous() { sed -n "s/^$1=//p" "$here/.env" 2>/dev/null || true; }
secret() { local kept; kept="$(previous "$1")"; [[ -n "$kept" ]] && echo "$kept" || openssl rand -hex 16; }
rabbitmq_password="$(secret RABBITMQ_CPE_PASSWORD)"
postgres_password="$(secret POSTGRES_CPE_PASSWORD)"
umask 077
cat > "$here/.env" <<ENV
# Written by deploy/docker/prepare.sh; never committed.
CPE_STORE=$store
CPE_BROKER=$broker
CPE_BASE_IMAGE=${CPE_BASE_IMAGE:-debian:12-slim}
CPE_STUB_DELAY_SECONDS=${CPE_STUB_DELAY_SECONDS:-60}
RABBITMQ_CPE_PASSWORD=$rabbitmq_password
POSTGRES_CPE_PASSWORD=$postgres_password
ENV

tls="$here/.secrets/tls"
bash "$here/../../config/gen-dev-certs.sh" "$tls" stub-a api api-2 >/dev/null
chmod 755 "$here/.secrets" "$tls"
chown 10001:10001 "$tls/server.key"
chmod 600 "$tls/server.key" "$tls/ca.key"

# A token as `cpe-host --new-token` makes one (256 random bits, base64url),
# without needing the program on this machine.
token_file="$here/.secrets/api-token"
if [[ ! -s "$token_file" ]]; then
  printf 'cpe_%s' "$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n')" > "$token_file"
fi
auth="$here/.secrets/auth"
mkdir -p "$auth"
{
  echo "# Written by deploy/docker/prepare.sh; never committed."
  echo "operator.sha256 = $(tr -d '\n' < "$token_file" | sha256sum | cut -d' ' -f1)"
  echo "operator.scopes = tasks:write, tasks:read, ops:read"
} > "$auth/api-tokens.properties"
chmod 755 "$auth"
chown 10001:10001 "$auth/api-tokens.properties"
chmod 400 "$auth/api-tokens.properties"
credentials="$here/.secrets/credentials"
mkdir -p "$credentials"
[[ -s "$credentials/credentials.key" ]] || head -c 32 /dev/urandom > "$credentials/credentials.key"
chmod 755 "$credentials"
chown 10001:10001 "$credentials/credentials.key"
chmod 400 "$credentials/credentials.key"
echo "prepare: $store + $broker; certificates in $tls, API token in $token_file"
