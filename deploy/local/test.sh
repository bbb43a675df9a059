#!/usr/bin/env bash
# Sets up and runs the whole test suite on a fresh Debian 12 machine, as
# root: installs dependencies, runs the unit tests under ThreadSanitizer,
# fuzzes request parsing and message decoding (deploy/local/fuzz.sh), starts
# RabbitMQ, builds with AddressSanitizer + UBSan (warnings are errors)
# and runs every suite through CTest. Exits non-zero on any failure.
#   bash deploy/local/test.sh
# Environment: CPE_SKIP_INSTALL=1 skips apt-get; CPE_JOBS sets parallelism.
set -euo pipefail
cd "$(dirname "$0")/../.."

jobs="${CPE_JOBS:-$(nproc)}"
[[ "${CPE_SKIP_INSTALL:-0}" == 1 ]] || bash deploy/local/install-deps.sh

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
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir build-asan --output-on-failure -j "$jobs"
