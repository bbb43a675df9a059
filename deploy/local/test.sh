#!/usr/bin/env bash
# Sets up and runs the whole test suite on a fresh Debian 12 machine, as
# root: installs dependencies, runs the unit tests under ThreadSanitizer,
# fuzzes request parsing and message decoding (deploy/local/fuzz.sh), starts
# RabbitMQ and PostgreSQL, builds with AddressSanitizer + UBSan (warnings are
# errors) and runs every suite (CTest; the unit tests one process per
# binary), runs the benchmark suite once small (tests/bench/run.sh --smoke),
# checks every answer the suites received against the OpenAPI documents.
# Beside them from the ASan build on: the quick deployment checks
# (deploy/ci/quick.sh: packages, linters, images, one compose stack and one
# Ansible deployment; mostly waiting on apt and containers) and the static
# analysis (deploy/ci/static-analysis.sh: clang-tidy with clang's
# thread-safety analysis, cppcheck; any finding fails), each at a lower
# priority than the suites. Exits non-zero on any failure.
#   bash deploy/local/test.sh
# Environment: CPE_SKIP_INSTALL=1 skips apt-get; CPE_JOBS sets parallelism;
# CPE_SKIP_DEPLOY=1 skips the deployment checks.
set -euo pipefail
cd "$(dirname "$0")/../.."

jobs="${CPE_JOBS:-$(nproc)}"
deploy="$([[ "${CPE_SKIP_DEPLOY:-0}" == 1 ]] && echo no || echo yes)"
if [[ "${CPE_SKIP_INSTALL:-0}" != 1 ]]; then
  bash deploy/local/install-deps.sh
  [[ "$deploy" == yes ]] && bash deploy/ci/install-deps.sh
fi
# The containers' Debian base (debootstrap, about a minute of downloads) is
# made while the code compiles.
if [[ "$deploy" == yes ]]; then
  mkdir -p build-logs
  bash deploy/containers/base-image.sh >build-logs/base-image.log 2>&1 &
  base_image=$!
fi

configure() {  # build_dir, cmake options...
  local dir="$1"; shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCPE_WERROR=ON "$@" >/dev/null
}

echo "== ThreadSanitizer: unit tests"
configure build-tsan -DCPE_TSAN=ON
cmake --build build-tsan --parallel "$jobs" --target cpe_unit_tests
TSAN_OPTIONS="halt_on_error=1" ctest --test-dir build-tsan -L unit --output-on-failure -j "$jobs"

bash deploy/local/fuzz.sh

echo "== AddressSanitizer + UBSan: every suite"
bash deploy/local/start-rabbitmq.sh
bash deploy/local/start-postgres.sh
configure build-asan -DCPE_SANITIZE=ON
cmake --build build-asan --parallel "$jobs"
# Two jobs run beside the suites from here to the end, each in a process
# group of its own (job control on for their start only), ended with the
# script whatever the exit. Not setsid: a new session is a new autogroup
# for the scheduler, where nice counts only inside the group.
# - The static analysis (clang-tidy with clang's thread-safety analysis,
#   then cppcheck) needs both cores for ten minutes or more: at nice 19 it
#   runs on the time everything else leaves idle.
# - The deployment checks mostly wait (on apt, containers, services) and
#   their one build, of the packages, takes three minutes: at nice 10 they
#   take the idle time before the analysis does and yield to the suites,
#   whose deadlines are set for a machine they have to themselves. One
#   after the other, the suites and the checks took 46 of CI's 66 minutes.
mkdir -p build-logs
background=()
run_beside() {  # nice, log, command...
  local nice="$1" log="$2"; shift 2
  set -m
  CPE_JOBS="$jobs" nice -n "$nice" "$@" </dev/null >"$log" 2>&1 &
  set +m
  background+=("$!")
}
stop_background() {
  local group
  for group in "${background[@]}"; do kill -- -"$group" 2>/dev/null || true; done
}
trap stop_background EXIT
run_beside 19 build-logs/static-analysis.log bash deploy/ci/static-analysis.sh build-lint
static=${background[-1]}
if [[ "$deploy" == yes ]]; then
  wait "$base_image" || { cat build-logs/base-image.log; exit 1; }
  # The OpenAPI tools, installed once before two steps use them.
  bash deploy/ci/openapi-tools.sh
  echo "== Deployment checks (packages, linters, images, compose, Ansible): beside the suites, log build-logs/quick.log"
  run_beside 10 build-logs/quick.log bash deploy/ci/quick.sh
  quick=${background[-1]}
fi
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# Every answer the suites receive is checked against the OpenAPI documents
# (deploy/ci/openapi-answers.sh): start from no answers.
rm -rf build-asan/test-work/answers
ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE '^unit$'
# The unit tests, each binary as one process in its own directory, as CTest
# would run them: as 380 processes they spent two minutes starting ASan
# (0.35 s each) for ten seconds of tests. ThreadSanitizer ran them one by
# one above.
echo "== AddressSanitizer + UBSan: the unit tests, one process per binary"
mapfile -t unit_binaries < <(ctest --test-dir build-asan -L '^unit$' -N -V |
  sed -n 's/^.*Test command: \([^ ]*\).*$/\1/p' | sort -u)
((${#unit_binaries[@]} > 0)) || { echo "no unit test binary in build-asan" >&2; exit 1; }
for binary in "${unit_binaries[@]}"; do
  log="build-logs/asan-$(basename "$binary").log"
  (cd "$(dirname "$binary")" && "$binary" --gtest_also_run_disabled_tests) >"$log" 2>&1 ||
    { cat "$log"; echo "FAILED: $binary (log $log)"; exit 1; }
  echo "$(basename "$binary"): $(grep -m1 '^\[==========\] .* ran\.' "$log")"
done
# The benchmark suite, small and short, so that it keeps working; its figures
# (ASan builds, shared machine) mean nothing and fail nothing.
echo "== Benchmark suite: smoke run"
bash tests/bench/run.sh --smoke --build-dir build-asan
if [[ "$deploy" == yes ]] || command -v npm >/dev/null; then
  echo "== Every answer of the suites against the OpenAPI documents"
  bash deploy/ci/openapi-answers.sh build-asan
else
  echo "== answers against the OpenAPI documents: skipped (CPE_SKIP_DEPLOY=1 and no npm)"
fi

if [[ "$deploy" == yes ]]; then
  echo "== Deployment: packages, linters, images, compose, Ansible"
  wait "$quick" || { cat build-logs/quick.log; exit 1; }
  sed -n '/^== deployment checks, /,$p' build-logs/quick.log
fi
echo "== Static analysis: clang-tidy with -Wthread-safety, cppcheck"
wait "$static" || { cat build-logs/static-analysis.log; exit 1; }
tail -n 3 build-logs/static-analysis.log
