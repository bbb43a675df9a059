#!/usr/bin/env bash
# Sets up and runs the whole test suite on a fresh Debian 12 machine, as
# root: installs dependencies, runs the unit tests under ThreadSanitizer,
# fuzzes request parsing and message decoding (deploy/local/fuzz.sh), starts
# RabbitMQ and PostgreSQL, builds with AddressSanitizer + UBSan (warnings are
# errors) and runs every suite through CTest, runs the benchmark suite once
# small (tests/bench/run.sh --smoke), checks every answer the suites
# received against the OpenAPI documents, then the quick deployment
# checks (deploy/ci/quick.sh: packages, linters, images, one compose stack
# and one Ansible deployment). The static analysis (deploy/ci/static-
# analysis.sh: clang-tidy with clang's thread-safety analysis, cppcheck;
# any finding fails) runs beside everything after the ASan build, at the
# lowest priority. Exits non-zero on any failure.
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
# The static analysis (clang-tidy with clang's thread-safety analysis, then
# cppcheck) needs both cores for 20-25 minutes; at the lowest priority it
# runs from here to the end on the time the suites, the smoke run and the
# deployment checks leave idle (they mostly wait: on deadlines, servers,
# apt, containers). It still costs the ASan suite a tenth of its time or
# so (the two vCPUs may share a core: 1,560 s beside it, 1,439 s without,
# in two runs of one day), less than it would take after them.
# In a process group of its own (job control on for this one job), ended
# with the script whatever the exit. Not setsid: a new session is a new
# autogroup for the scheduler, where nice counts only inside the group and
# the analysis would get as much CPU as the suites.
mkdir -p build-logs
set -m
CPE_JOBS="$jobs" nice -n 19 bash deploy/ci/static-analysis.sh build-lint \
  </dev/null >build-logs/static-analysis.log 2>&1 &
static=$!
set +m
trap 'kill -- -"$static" 2>/dev/null || true' EXIT
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# Every answer the suites receive is checked against the OpenAPI documents
# (deploy/ci/openapi-answers.sh): start from no answers.
rm -rf build-asan/test-work/answers
ctest --test-dir build-asan --output-on-failure -j "$jobs"
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
  wait "$base_image" || { cat build-logs/base-image.log; exit 1; }
  echo "== Deployment: packages, linters, images, compose, Ansible"
  bash deploy/ci/quick.sh
fi
echo "== Static analysis: clang-tidy with -Wthread-safety, cppcheck"
wait "$static" || { cat build-logs/static-analysis.log; exit 1; }
tail -n 3 build-logs/static-analysis.log
