#!/usr/bin/env bash
# The benchmark suite in one command: every figure of service B beside its
# ceiling or target, measured in the same run on loopback, load from wrk on
# the same machine. Three sections, each in a file of its own beside this one:
#
#   api     (api.sh) POST and GET of a full host of each store and broker
#           pairing, dev and prod profiles, over HTTPS keep-alive, beside the
#           ceiling: a bare Poco HTTPS server answering fixed JSON
#   e2e     (e2e.sh) end to end at steady state: C calls to A in flight over W
#           worker processes, A answering after D s; tasks finished per
#           second against C/D, and each process's threads and memory per
#           call in flight (the stub of A's too)
#   growth  (growth.sh) POST and GET with 10^4, 10^5, 10^6 tasks already
#           stored (SQLite, PostgreSQL), bytes per stored task, and the plans
#           of the stuck-task, outbox-sweep and retention queries at the
#           largest size
#
# Each section prints its table as it ends; the run ends with every table
# together, also written with the query plans to the output folder.
#
#   bash tests/bench/run.sh [--smoke] [--sections LIST] [--seconds N] [--runs N]
#                           [--connections N] [--build-dir DIR] [--only REGEX]
#                           [--e2e-layouts LIST] [--e2e-delay D] [--e2e-rounds R]
#                           [--e2e-periods K] [--e2e-plain] [--growth-sizes LIST]
#                           [--growth-stores LIST] [--out DIR]
#     --smoke          small and short, for CI, so that the suite keeps
#                      working (about three minutes on the ASan build): 2 s
#                      per measurement, 1 run, 16 connections, e2e 40x2 with
#                      A answering after 1 s, growth 1000,10000
#     --sections LIST  comma-separated, of api, e2e, growth (default: all)
#     --seconds N      length of one measurement (default 10)
#     --runs N         runs per measurement, the median shown (default 3)
#     --connections N  wrk's keep-alive connections (default 64)
#     --build-dir DIR  use this existing build as it is (CI: build-asan);
#                      default: configure and build build-release (Release,
#                      no tests)
#     --only REGEX     api: only the configurations whose name matches
#                      (extended regex over store+broker/profile, e.g.
#                      'sqlite|postgres' or '\+rabbitmq/dev'); the ceiling is
#                      always measured
#     --e2e-layouts L  e2e: comma-separated CxW, C calls in flight over W
#                      worker processes (default 2000x1,8000x4)
#     --e2e-delay D    e2e: A's delay in seconds (default 10)
#     --e2e-rounds R   e2e: R C tasks posted at the start (default 4); then
#                      back to 3 C unfinished whenever fewer are,
#                      until the window (a period after the stub's start,
#                      which takes 50-70 s for 8,000 TLS connections) ends
#     --e2e-periods K  e2e: the window's length in periods of A's delay
#                      (default 6); the rate is the slope of tasks finished
#                      over it, off by at most about 1/K^2 when the calls'
#                      phases are bunched
#     --e2e-plain      e2e: A over plain HTTP, to tell the share of TLS
#     --growth-sizes L growth: tasks stored before measuring, comma-separated
#                      (default 10000,100000,1000000)
#     --growth-stores L growth: of sqlite, postgres (default both)
#     --out DIR        where the tables and query plans go (default
#                      .run/bench/<UTC time>)
# Environment: CPE_SKIP_INSTALL=1 skips apt-get; CPE_BENCH_KEEP=1 keeps the
# run's folder (logs, samples, the token) and says where;
# CPE_BENCH_WORKER_DEFINES adds settings to e2e's workers (words such as
# -Dworker.callTimeoutSeconds=300), to try one. As root (it starts RabbitMQ
# and PostgreSQL with deploy/local/start-*.sh).
#
# Exits non-zero when something does not start, more than 1% of the
# requests of a measurement fail, or tasks go missing; never because of a
# figure. Figures on a shared 2-core machine are noisy: compare ratios and
# medians, not one run.
set -Eeuo pipefail
shopt -s inherit_errexit
trap 'echo "bench: stopped by a failed command at ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/../.."
# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh
# shellcheck source=tests/bench/api.sh
source tests/bench/api.sh
# shellcheck source=tests/bench/e2e.sh
source tests/bench/e2e.sh
# shellcheck source=tests/bench/growth.sh
source tests/bench/growth.sh

usage() { sed -n '/^#   bash tests/,/^#                      \.run/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

smoke=no sections="api,e2e,growth" build_dir="" only="" out=""
seconds="" runs="" connections="" e2e_layouts="" e2e_delay="" e2e_rounds="" e2e_periods=""
e2e_plain=no growth_sizes=""
growth_stores="sqlite,postgres"
while (($#)); do
  case "$1" in
    --smoke) smoke=yes ;;
    --e2e-plain) e2e_plain=yes ;;
    --sections | --seconds | --runs | --connections | --build-dir | --only | --e2e-layouts | \
      --e2e-delay | --e2e-rounds | --e2e-periods | --growth-sizes | --growth-stores | --out)
      (($# >= 2)) || usage
      case "$1" in
        --sections) sections="$2" ;;
        --seconds) seconds="$2" ;;
        --runs) runs="$2" ;;
        --connections) connections="$2" ;;
        --build-dir) build_dir="$2" ;;
        --only) only="$2" ;;
        --e2e-layouts) e2e_layouts="$2" ;;
        --e2e-delay) e2e_delay="$2" ;;
        --e2e-rounds) e2e_rounds="$2" ;;
        --e2e-periods) e2e_periods="$2" ;;
        --growth-sizes) growth_sizes="$2" ;;
        --growth-stores) growth_stores="$2" ;;
        --out) out="$2" ;;
      esac
      shift ;;
    *) usage ;;
  esac
  shift
done
# --smoke sets what the command line leaves unset, whatever the order.
if [[ "$smoke" == yes ]]; then
  : "${seconds:=2}" "${runs:=1}" "${connections:=16}"
  : "${e2e_layouts:=40x2}" "${e2e_delay:=1}" "${e2e_rounds:=3}" "${growth_sizes:=1000,10000}"
fi
: "${seconds:=10}" "${runs:=3}" "${connections:=64}"
: "${e2e_layouts:=2000x1,8000x4}" "${e2e_delay:=10}" "${e2e_rounds:=4}" "${e2e_periods:=6}"
: "${growth_sizes:=10000,100000,1000000}"
: "${out:=.run/bench/$(date -u +%Y%m%dT%H%M%SZ)}"

# shellcheck disable=SC2086  # the sizes are words
for number in "$seconds" "$runs" "$connections" "$e2e_delay" "$e2e_rounds" "$e2e_periods" \
  ${growth_sizes//,/ }; do
  [[ "$number" =~ ^[1-9][0-9]*$ ]] || fail "'$number' is not a positive whole number"
done
for layout in ${e2e_layouts//,/ }; do
  [[ "$layout" =~ ^([1-9][0-9]*)x([1-9][0-9]*)$ ]] ||
    fail "e2e layout '$layout': expected CxW, e.g. 2000x1"
  ((BASH_REMATCH[1] % BASH_REMATCH[2] == 0)) ||
    fail "e2e layout '$layout': $((BASH_REMATCH[1])) calls do not split evenly over ${BASH_REMATCH[2]} workers"
done
((e2e_rounds >= 2)) || fail "--e2e-rounds $e2e_rounds: at least 2, a round queued behind the first"
for store in ${growth_stores//,/ }; do
  [[ "$store" =~ ^(sqlite|postgres)$ ]] || fail "growth store '$store': sqlite or postgres"
done
for section in ${sections//,/ }; do
  [[ "$section" =~ ^(api|e2e|growth)$ ]] || fail "unknown section '$section' (api, e2e, growth)"
done
threads=$(( $(nproc) < connections ? $(nproc) : connections ))  # wrk's threads

# --- The machine, the servers it needs, the build -----------------------------

# need COMMAND PACKAGE: the suite's own tools beyond deploy/local/install-deps.sh.
need() {
  command -v "$1" >/dev/null && return 0
  [[ "${CPE_SKIP_INSTALL:-0}" == 1 ]] || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }
  command -v "$1" >/dev/null || fail "$1 is missing (Debian package $2)"
}

prepare_machine() {
  [[ "${CPE_SKIP_INSTALL:-0}" == 1 ]] || bash deploy/local/install-deps.sh
  command -v wrk >/dev/null || fail "wrk is missing (deploy/local/install-deps.sh installs it)"
  need sqlite3 sqlite3
  bash deploy/local/start-rabbitmq.sh >/dev/null
  bash deploy/local/start-postgres.sh >/dev/null
}

prepare_build() {
  if [[ -z "$build_dir" ]]; then
    build_dir=build-release
    cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCPE_BUILD_TESTS=OFF >/dev/null
    cmake --build "$build_dir" --parallel "$(nproc)" >/dev/null
  fi
  host_bin="$build_dir/host/cpe-host"
  stub_bin="$build_dir/stub_a/cpe-stub-a"
  ceiling_bin="$build_dir/tests/bench/cpe-bench-ceiling"
  sampler_bin="$build_dir/tests/bench/cpe-bench-sampler"
  for binary in "$host_bin" "$stub_bin" "$ceiling_bin" "$sampler_bin"; do
    [[ -x "$binary" ]] || fail "$binary is missing: build $build_dir first"
  done
}

# --- What this run starts, and stops on the way out ---------------------------

work=$(mktemp -d /tmp/cpe-bench-suite.XXXXXX)  # mode 0700: the token and key live here
prefix="cpe.bench.$$"                          # of the queues and schemas of this run
pids=() queues=() schemas=()
status=0
trap cleanup EXIT
trap 'exit 130' INT TERM

print_header() {
  local commit
  commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  [[ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]] || commit+=" (modified)"
  echo "cpe-provisioning benchmark suite, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
       "$(awk '/^MemTotal:/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo)"
  echo "commit $commit, build $build_dir, sections $sections"
}

started_at=$SECONDS
prepare_machine
prepare_build
mkdir -p "$out"
make_files
print_header | tee "$out/header.txt"
tables=()  # the print_*_table functions of the sections that ran
for section in ${sections//,/ }; do
  "section_$section"
  tables+=("print_${section}_table")
  echo
  "${tables[-1]}"
  echo
done
{
  echo
  echo "=== All tables ==="
  cat "$out/header.txt"
  for table in "${tables[@]}"; do echo; "$table"; done
  echo
  echo "$((SECONDS - started_at)) s in all; tables and query plans in $out"
} | tee "$out/tables.txt"
exit "$status"
