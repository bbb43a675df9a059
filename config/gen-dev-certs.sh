#!/usr/bin/env bash
# Generates a development CA, a server certificate and a client certificate
# for local runs and tests.
#   config/gen-dev-certs.sh [OUT_DIR [NAME...]]      (default: .run/certs)
# Writes ca.pem, ca.key, server.pem, server.key, client.pem, client.key. The
# server certificate is valid for localhost, 127.0.0.1 and ::1, and for each
# extra DNS NAME (the compose stack's service names, say). The client
# certificate (subject /CN=cpe-development-client) is for mutual TLS. Private keys are generated here,
# never committed; an existing set is kept unless it is about to expire or
# was made for other names.
set -euo pipefail

out_dir="${1:-.run/certs}"
shift || true
alt_names="DNS:localhost, IP:127.0.0.1, IP:::1"
for name in "$@"; do alt_names+=", DNS:$name"; done
mkdir -p "$out_dir"
cd "$out_dir"

if [[ -s server.pem && -s server.key && -s ca.pem && -s client.pem && -s client.key ]] &&
   [[ "$(cat server.names 2>/dev/null)" == "$alt_names" ]] &&
   openssl x509 -checkend 86400 -noout -in server.pem >/dev/null 2>&1; then
  exit 0
fi

umask 077
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 825 \
  -subj "/CN=cpe-provisioning development CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout ca.key -out ca.pem 2>/dev/null

openssl req -newkey rsa:2048 -nodes -sha256 \
  -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null

cat > server.ext <<EXT
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $alt_names
EXT
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
  -days 397 -sha256 -extfile server.ext -out server.pem 2>/dev/null

openssl req -newkey rsa:2048 -nodes -sha256 \
  -subj "/CN=cpe-development-client" -keyout client.key -out client.csr 2>/dev/null
cat > client.ext <<EXT
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
EXT
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
  -days 397 -sha256 -extfile client.ext -out client.pem 2>/dev/null
rm -f server.csr server.ext client.csr client.ext ca.srl
echo "$alt_names" > server.names
chmod 644 ca.pem server.pem client.pem server.names
echo "development certificates written to $(pwd)"
