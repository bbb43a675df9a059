#!/usr/bin/env bash
# The static analysis the test command runs: clang-tidy over every
# translation unit of ours but the test cases, with the checks of
# .clang-tidy and clang's -Wthread-safety in the same pass
# (deploy/ci/clang-tidy.sh, CPE_TIDY_PART=code), then cppcheck
# (deploy/ci/cppcheck.sh). Any finding fails. deploy/ci/extended.sh runs
# clang-tidy over the test cases, and deploy/ci/thread-safety.sh, the
# thread-safety analysis as a whole clang build: at nice 19 beside the
# suites, the whole of clang-tidy ended 8 minutes after everything else and
# brought CI to its 60 minutes.
#   bash deploy/ci/static-analysis.sh [build dir, default build-lint]
# Environment: CPE_JOBS sets parallelism.
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir="${1:-build-lint}"
started=$SECONDS
CPE_TIDY_PART=code bash deploy/ci/clang-tidy.sh "$build_dir"
bash deploy/ci/cppcheck.sh "$build_dir"
echo "static-analysis: clang-tidy (with -Wthread-safety) and cppcheck clean," \
  "$((SECONDS - started)) s"
