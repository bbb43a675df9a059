#!/usr/bin/env bash
# Lints the container files offline: every compose file (alone and with its
# override) validated by docker-compose without an engine, and every
# Containerfile by dockerfilelint (npm, installed once into .tools/).
#   bash deploy/ci/container-lint.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"

tools="$root/.tools/dockerfilelint"
if [[ ! -x "$tools/node_modules/.bin/dockerfilelint" ]]; then
  npm install --silent --no-audit --no-fund --prefix "$tools" dockerfilelint@1.8.0 >/dev/null
fi
for file in "$root"/deploy/docker/Containerfile "$root"/deploy/docker/*/Containerfile \
  "$root"/deploy/ansible/test/Containerfile; do
  [[ -f "$file" ]] || continue
  "$tools/node_modules/.bin/dockerfilelint" -c "$root" "$file" >/dev/null ||
    { "$tools/node_modules/.bin/dockerfilelint" -c "$root" "$file"; exit 1; }
done

# Values prepare.sh would write, so that required variables interpolate.
export RABBITMQ_CPE_PASSWORD=lint POSTGRES_CPE_PASSWORD=lint
cd "$root/deploy/docker"
docker-compose -f compose.yaml config -q
docker-compose -f compose.yaml -f compose.api2.yaml config -q
echo "container-lint: compose files and Containerfiles clean"
