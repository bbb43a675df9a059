#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan + UBSan) and runs
# each for a bounded time over a copy of its seed corpus. Exits non-zero on
# any crash, leak, timeout, out-of-memory or sanitizer report; the input that
# caused it is kept under <build dir>/fuzz-artifacts/ and its log is printed.
#   bash deploy/local/fuzz.sh
# Environment: CPE_FUZZ_SECONDS per target (default 60); CPE_FUZZ_BUILD_DIR
# (default build-fuzz); CPE_JOBS sets build parallelism.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds="${CPE_FUZZ_SECONDS:-60}"
build_dir="${CPE_FUZZ_BUILD_DIR:-build-fuzz}"
jobs="${CPE_JOBS:-$(nproc)}"

# target name, largest input: a URI line plus a body one byte over the 64 KiB
# limit; a broker message one byte over decoding's 256 KiB limit.
targets=(request messages)
declare -A max_len=([request]=$((64 * 1024 + 2048)) [messages]=$((256 * 1024 + 1)))

echo "== libFuzzer: ${targets[*]} (${seconds} s each, side by side)"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCPE_WERROR=ON \
  -DCMAKE_CXX_COMPILER=clang++ -DCPE_FUZZ=ON >/dev/null
cmake --build "$build_dir" --parallel "$jobs" --target "${targets[@]/#/cpe_fuzz_}"

# The seeds are copied: whatever the fuzzer adds stays out of the repository.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
artifacts="$build_dir/fuzz-artifacts"
mkdir -p "$artifacts"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

# One target: fuzzes it and leaves its exit status in $work/$target.status.
fuzz() {
  local target="$1" corpus="$work/$1" log="$build_dir/fuzz-$1.log" status=0
  cp -r "tests/fuzz/corpus/$target" "$corpus"
  # -timeout: one input taking 10 s is a hang; timeout(1) guards libFuzzer itself.
  timeout $((seconds + 120)) "$build_dir/tests/fuzz/cpe_fuzz_$target" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len="${max_len[$target]}" \
    -dict=tests/fuzz/cpe.dict -artifact_prefix="$artifacts/$target-" -print_final_stats=1 \
    "$corpus" >"$log" 2>&1 || status=$?
  # Belt and braces: a report that did not stop the run still fails it.
  if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log"; then
    [[ "$status" != 0 ]] || status=1
  fi
  echo "$status" >"$work/$target.status"
}

# The targets run side by side, one per core: the step takes `seconds`, not
# `seconds` per target.
for target in "${targets[@]}"; do fuzz "$target" & done
wait

failed=0
for target in "${targets[@]}"; do
  log="$build_dir/fuzz-$target.log"
  status="$(cat "$work/$target.status" 2>/dev/null || echo 1)"
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
  final="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)"
  cov="$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$final")"
  ft="$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$final")"
  corp="$(sed -nE 's/.* corp: ([0-9]+)\/.*/\1/p' <<<"$final")"
  ran="$(sed -nE 's/^Done [0-9]+ runs in ([0-9]+) second.*/\1/p' "$log")"
  rss="$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")"
  if [[ "$status" == 0 ]]; then
    echo "fuzz $target: ok, ${execs:-?} execs in ${ran:-?} s, cov ${cov:-?}, ft ${ft:-?}," \
      "corpus ${corp:-?}, peak rss ${rss:-?} MB"
  else
    failed=1
    echo "fuzz $target: FAILED (exit $status, ${execs:-?} execs); log $log, inputs in $artifacts:"
    grep -vE '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)' "$log" | tail -n 60
  fi
done
exit "$failed"
