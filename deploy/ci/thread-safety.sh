#!/usr/bin/env bash
# Clang's thread-safety analysis over all of our code: a clang build of every
# target with -Wthread-safety and -Werror, so data marked CPE_GUARDED_BY
# touched without its cpe::Mutex held, a *Locked() helper (CPE_REQUIRES)
# called without it, or a lock not released on some path fails the build
# (core/sdk/include/cpe/sdk/thread_annotations.h, mutex.h). Every other
# clang warning fails it too. Objects are built without optimisation or
# debug information: only the diagnostics matter.
#   bash deploy/ci/thread-safety.sh [build dir, default build-thread-safety]
# Environment: CPE_JOBS sets build parallelism.
set -euo pipefail
cd "$(dirname "$0")/../.."

build_dir="${1:-build-thread-safety}"
jobs="${CPE_JOBS:-$(nproc)}"
started=$SECONDS

fail() { echo "thread-safety: FAILED: $*" >&2; exit 1; }
command -v clang++ >/dev/null || fail "no clang++ (apt-get install clang)"

# -Wthread-safety: the analysis, its attribute checks, and references to
# guarded data passed on. The -beta and -negative variants are left out: the
# first is unstable across clang versions, the second wants every function
# annotated with the locks it must not hold.
CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG=-O0 -DCMAKE_CXX_FLAGS="-Wthread-safety -Werror" \
  -DCPE_WERROR=ON >/dev/null
# -k 0: every file that fails is shown, not only the first.
cmake --build "$build_dir" --parallel "$jobs" -- -k 0 || fail "clang build (warnings above)"
echo "thread-safety: every target built by clang with -Wthread-safety -Werror, no warning," \
  "$((SECONDS - started)) s"
