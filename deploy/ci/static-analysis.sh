#!/usr/bin/env bash
# The static analysis the test command runs: clang-tidy over every
# translation unit of ours with the checks of .clang-tidy and clang's
# -Wthread-safety in the same pass (deploy/ci/clang-tidy.sh), then cppcheck
# (deploy/ci/cppcheck.sh). Any finding fails. deploy/ci/thread-safety.sh,
# the same analysis as a whole clang build, runs in deploy/ci/extended.sh.
#   bash deploy/ci/static-analysis.sh [build dir, default build-lint]
# Environment: CPE_JOBS sets parallelism.
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir="${1:-build-lint}"
started=$SECONDS
bash deploy/ci/clang-tidy.sh "$build_dir"
bash deploy/ci/cppcheck.sh "$build_dir"
echo "static-analysis: clang-tidy (with -Wthread-safety) and cppcheck clean," \
  "$((SECONDS - started)) s"
