#!/usr/bin/env bash
# clang-tidy over every translation unit of ours (the compile_commands.json
# of a configure-only clang tree, fuzz targets included), with the checks
# of the repository's .clang-tidy: bugprone-*, cert-*, concurrency-*,
# performance-*, less the few exclusions it gives reasons for, and clang's
# thread-safety analysis (-Wthread-safety: data marked CPE_GUARDED_BY
# touched without its cpe::Mutex, a CPE_REQUIRES helper called without it,
# reported as clang-diagnostic-thread-safety-*). Headers of
# ours are checked as the files including them are; third-party headers are
# not. Any finding fails.
#   bash deploy/ci/clang-tidy.sh [build dir, default build-lint]
# Environment: CPE_JOBS sets parallelism; CPE_TIDY_CHECKS, a clang-tidy
# --checks list, replaces the checks of .clang-tidy (extended.sh runs
# bugprone-reserved-identifier that way; its options stay those of the file);
# CPE_TIDY_PART picks the files: all (the default), code (all but the test
# cases: what runs in production, and the tests' shared support, benchmark
# and fuzz code; the test command's share, as the test cases took half of
# its time) or test-cases (tests/unit, contract, e2e, fault, integration,
# sdk; extended.sh's share).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

build_dir="${1:-build-lint}"
jobs="${CPE_JOBS:-$(nproc)}"
started=$SECONDS

fail() { echo "clang-tidy: FAILED: $*" >&2; exit 1; }
command -v clang-tidy >/dev/null || fail "no clang-tidy (apt-get install clang-tidy)"

bash deploy/ci/compile-database.sh "$build_dir"
files="$build_dir/clang-tidy-files.txt"
# Sources of this repository only, each once (a file built into two targets
# is listed twice).
test_cases="^$root/tests/(unit|contract|e2e|fault|integration|sdk)/"
case "${CPE_TIDY_PART:-all}" in
  all) part=(cat) ;;
  code) part=(grep -Ev "$test_cases") ;;
  test-cases) part=(grep -E "$test_cases") ;;
  *) fail "CPE_TIDY_PART=$CPE_TIDY_PART: all, code or test-cases" ;;
esac
grep -o '"file": *"[^"]*"' "$build_dir/compile_commands.json" | sed 's/^"file": *"//; s/"$//' |
  grep "^$root/" | "${part[@]}" | sort -u >"$files"
count=$(wc -l <"$files")
((count > 0)) || fail "no translation unit in $build_dir/compile_commands.json"

# One clang-tidy per file, $jobs at a time; xargs exits non-zero if any did.
checks=()
[[ -n "${CPE_TIDY_CHECKS:-}" ]] && checks=(--checks="$CPE_TIDY_CHECKS")
xargs -a "$files" -P "$jobs" -n 1 clang-tidy -p "$build_dir" --quiet --warnings-as-errors='*' \
  "${checks[@]}" --extra-arg=-Wthread-safety ||
  fail "findings above"
echo "clang-tidy: no finding in $count files (${CPE_TIDY_PART:-all}), $((SECONDS - started)) s"
