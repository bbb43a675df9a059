#!/usr/bin/env bash
# cppcheck 2.10 (Debian 12) over every translation unit of ours, as the build
# compiles it (compile_commands.json of a configure-only tree: include paths
# and defines; third-party headers are not read): warnings, performance and
# portability findings. Any finding fails. False positives are suppressed
# with a reason, in deploy/ci/cppcheck-suppressions.txt or next to the line
# (// cppcheck-suppress id).
#   bash deploy/ci/cppcheck.sh [build dir, default build-lint]
# Environment: CPE_JOBS sets parallelism.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

build_dir="${1:-build-lint}"
jobs="${CPE_JOBS:-$(nproc)}"
started=$SECONDS

fail() { echo "cppcheck: FAILED: $*" >&2; exit 1; }
command -v cppcheck >/dev/null || fail "no cppcheck (apt-get install cppcheck)"

bash deploy/ci/compile-database.sh "$build_dir"
# The libraries' configurations tell cppcheck what GoogleTest's macros,
# POSIX, SQLite and OpenSSL functions do; without googletest.cfg every TEST()
# is a syntax error.
cppcheck --project="$build_dir/compile_commands.json" -j "$jobs" --quiet \
  --std=c++17 --enable=warning,performance,portability \
  --library=googletest,posix,sqlite3,openssl \
  --inline-suppr --suppressions-list=deploy/ci/cppcheck-suppressions.txt \
  --error-exitcode=1 --template='{file}:{line}: {severity}: {message} [{id}]' ||
  fail "findings above"
echo "cppcheck: no finding, $(grep -c "\"file\":" "$build_dir/compile_commands.json") files," \
  "$((SECONDS - started)) s"
