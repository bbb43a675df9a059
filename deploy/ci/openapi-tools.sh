#!/usr/bin/env bash
# Installs the OpenAPI tools of tools/openapi (linters, the answer checker)
# at the exact versions of its package-lock.json: npm ci without install
# scripts, audit or telemetry. Skipped while node_modules holds what the last
# npm ci here installed from the same package.json and package-lock.json
# (a fresh clone always runs it). Needs npm (deploy/ci/install-deps.sh) and
# the npm registry. Used by openapi-lint.sh and openapi-answers.sh.
#   bash deploy/ci/openapi-tools.sh
set -euo pipefail
tools="$(cd "$(dirname "$0")/../.." && pwd)/tools/openapi"

command -v npm >/dev/null || {
  echo "openapi-tools: FAILED: npm not found (bash deploy/ci/install-deps.sh installs it)" >&2
  exit 1
}
# npm ci removes node_modules first, so a stamp left by an earlier one
# vouches for the whole tree.
stamp="$tools/node_modules/.installed-from"
wanted="$(cd "$tools" && sha256sum package.json package-lock.json)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$wanted" ]]; then
  (cd "$tools" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null) || {
    echo "openapi-tools: FAILED: npm ci in tools/openapi" >&2
    exit 1
  }
  echo "$wanted" >"$stamp"
fi
