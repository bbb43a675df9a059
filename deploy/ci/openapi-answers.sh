#!/usr/bin/env bash
# Checks every answer the test suites received from service B and the stub
# of A (written by tests/support/answer_log.h under the build's
# test-work/answers) against docs/openapi/service-b.yaml and stub-a.yaml:
# path, method, status (under the status-line policy the service ran with),
# Content-Type, required headers and the JSON body against its schema
# (tools/openapi/check-answers.mjs). Fails on any mismatch, and on any
# documented status of any route that no answer showed unless the checker
# names the reason it cannot be brought about. Run after the whole CTest run
# (deploy/local/test.sh does); a partial run leaves statuses unseen.
#   bash deploy/ci/openapi-answers.sh BUILD_DIR
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:?usage: openapi-answers.sh BUILD_DIR}"
answers="$(cd "$build" && pwd)/test-work/answers"

bash "$root/deploy/ci/openapi-tools.sh"
cd "$root/tools/openapi"
if ! output="$(node check-answers.mjs "$root/docs/openapi" "$answers" --require-every-status 2>&1)"; then
  echo "$output" | grep -v '^seen ' >&2
  echo "openapi-answers: FAILED (all lines: node tools/openapi/check-answers.mjs docs/openapi $answers)" >&2
  exit 1
fi
echo "$output" | tail -1
