#!/usr/bin/env bash
# Lints the OpenAPI documents, docs/openapi/service-b.yaml and stub-a.yaml:
#   1. the linters at the exact versions of tools/openapi/package-lock.json
#      (deploy/ci/openapi-tools.sh)
#   2. swagger-cli validate (@apidevtools/swagger-cli) of each document:
#      the OpenAPI 3.0 schema, every $ref resolved
#   3. redocly lint (@redocly/cli) of both with tools/openapi/redocly.yaml:
#      the recommended rules with warnings made errors, each example checked
#      against its schema (the rules and why are in that file)
# Zero findings pass; any finding fails. Needs npm (deploy/ci/install-deps.sh)
# and the npm registry. Prints one summary line.
#   bash deploy/ci/openapi-lint.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
started=$SECONDS
tools="$root/tools/openapi"
bin="$tools/node_modules/.bin"
documents=(docs/openapi/service-b.yaml docs/openapi/stub-a.yaml)
# Their names in redocly.yaml, whose per-document rules apply only by name.
apis=(service-b stub-a)

fail() { echo "openapi-lint: FAILED: $*" >&2; exit 1; }

export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_COLOR=1
bash "$root/deploy/ci/openapi-tools.sh" || fail "the tools of tools/openapi"

# Both tools on both documents, so one run shows every finding.
cd "$root"
failed=()
for document in "${documents[@]}"; do
  "$bin/swagger-cli" validate "$document" >/dev/null || failed+=("swagger-cli validate $document")
done
if ! output="$("$bin/redocly" lint --config "$tools/redocly.yaml" --lint-config=error \
  --format=stylish "${apis[@]}" 2>&1)"; then
  echo "$output" >&2
  failed+=("redocly lint")
fi
((${#failed[@]} == 0)) || fail "$(printf '%s; ' "${failed[@]}")see above"

echo "openapi-lint: ok: swagger-cli validate, redocly lint (redocly.yaml) of ${#documents[@]} documents," \
  "$((SECONDS - started)) s"
