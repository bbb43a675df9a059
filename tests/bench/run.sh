#!/usr/bin/env bash
# The benchmark suite in one command: every figure of service B beside its
# ceiling, measured in the same run on loopback, load from wrk on the same
# machine, over HTTPS keep-alive (the same connections and duration for all).
#
#   ceiling  cpe-bench-ceiling (tests/bench/ceiling_server.cpp): a bare Poco
#            HTTPS server answering fixed JSON from 128 threads, what any Poco
#            service gets from this machine (style.md, "Measured ceilings")
#   B        a full cpe-host (roles api, worker, results) from the example
#            config of each pairing, config/host-{memory,sqlite,postgres}-
#            {rabbitmq,proton}.properties, in two settings profiles:
#              dev   authentication off, device credentials in the clear
#              prod  bearer tokens checked (tasks:write, tasks:read), device
#                    credentials sealed with a key (AES-256-GCM)
#            beside the stub of A, which answers after its 60 s as A does
#
# For each: POST /api/v1/equipment/cpe/{id} (a new task each time) and GET
# of one task; 2xx answers per second, p50 and p99 latency, and the rate's
# ratio to the ceiling's for the same method (the median of the runs, by
# rate). Then, per host, how many of the tasks it created are in its tasks
# queue or finished by its worker (all of them, once the outbox is through).
#
#   bash tests/bench/run.sh [--smoke] [--seconds N] [--runs N] [--connections N]
#                           [--build-dir DIR] [--only REGEX]
#     --smoke          2 s per measurement, 1 run, 16 connections: for CI, so
#                      that the suite keeps working (about two minutes)
#     --seconds N      length of one measurement (default 10)
#     --runs N         runs per measurement, the median shown (default 3)
#     --connections N  wrk's keep-alive connections (default 64)
#     --build-dir DIR  use this existing build as it is (CI: build-asan);
#                      default: configure and build build-release (Release,
#                      no tests)
#     --only REGEX     only the configurations whose name matches (extended
#                      regex over store+broker/profile, e.g. 'sqlite|postgres'
#                      or '\+rabbitmq/dev'); the ceiling is always measured
# Environment: CPE_SKIP_INSTALL=1 skips apt-get. As root (it starts RabbitMQ
# and PostgreSQL with deploy/local/start-*.sh).
#
# Exits non-zero when something does not start or more than 1% of the
# requests of a measurement fail; never because of a figure. Figures on a
# shared 2-core machine are noisy: compare ratios and medians, not one run.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../.."

usage() { sed -n '/^#   bash tests/,/^#                      or/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
fail() { echo "bench: $*" >&2; exit 1; }

seconds=10 runs=3 connections=64 build_dir="" only=""
while (($#)); do
  case "$1" in
    --smoke) seconds=2 runs=1 connections=16 ;;
    --seconds | --runs | --connections | --build-dir | --only)
      (($# >= 2)) || usage
      case "$1" in
        --seconds) seconds="$2" ;;
        --runs) runs="$2" ;;
        --connections) connections="$2" ;;
        --build-dir) build_dir="$2" ;;
        --only) only="$2" ;;
      esac
      shift ;;
    *) usage ;;
  esac
  shift
done
for number in "$seconds" "$runs" "$connections"; do
  [[ "$number" =~ ^[1-9][0-9]*$ ]] || fail "'$number' is not a positive whole number"
done
threads=$(( $(nproc) < connections ? $(nproc) : connections ))  # wrk's threads

# --- The machine, the servers it needs, the build -----------------------------

prepare_machine() {
  [[ "${CPE_SKIP_INSTALL:-0}" == 1 ]] || bash deploy/local/install-deps.sh
  command -v wrk >/dev/null || fail "wrk is missing (deploy/local/install-deps.sh installs it)"
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
  for binary in "$host_bin" "$stub_bin" "$ceiling_bin"; do
    [[ -x "$binary" ]] || fail "$binary is missing: build $build_dir first"
  done
}

# --- What this run starts, and stops on the way out ---------------------------

work=$(mktemp -d /tmp/cpe-bench-suite.XXXXXX)  # mode 0700: the token and key live here
prefix="cpe.bench.$$"                          # of the queues and schemas of this run
pids=() queues=() schemas=()

psql_test() {  # SQL: run on the test database (deploy/local/start-postgres.sh)
  PGPASSWORD=cpe psql -qtA -v ON_ERROR_STOP=1 \
    "host=127.0.0.1 port=5432 dbname=cpe_test user=cpe connect_timeout=3" -c "$1"
}

stop_process() {  # PID: SIGTERM, then SIGKILL if it is still there after 30 s
  local pid="$1" remaining=()
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for other in "${pids[@]}"; do [[ "$other" == "$pid" ]] || remaining+=("$other"); done
  pids=("${remaining[@]}")
}

drop_backends() {  # the queues and schemas made so far
  for queue in "${queues[@]}"; do
    amqp-delete-queue -s 127.0.0.1 -q "$queue" >/dev/null 2>&1 || true
  done
  for schema in "${schemas[@]}"; do
    psql_test "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  done
  queues=() schemas=()
}

# shellcheck disable=SC2317  # run by the trap below
cleanup() {
  for pid in "${pids[@]}"; do stop_process "$pid"; done
  drop_backends
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME READY_FILE COMMAND...: runs COMMAND in the background (its log in
# $work/NAME.log) and waits up to 60 s for its ready file; sets started_pid.
start() {
  local name="$1" ready="$2"; shift 2
  "$@" >"$work/$name.log" 2>&1 &
  started_pid=$!
  pids+=("$started_pid")
  for _ in $(seq 1 600); do
    [[ -s "$ready" ]] && return 0
    kill -0 "$started_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench: $name did not start; the end of its log:" >&2
  tail -n 20 "$work/$name.log" >&2
  exit 1
}
port_of() { grep -o "\"$2\":[0-9]*" "$1" | cut -d: -f2; }  # READY_FILE KEY

# --- Secrets of the prod profile, certificates, wrk's script ------------------

make_files() {
  bash config/gen-dev-certs.sh "$work/certs" >/dev/null
  # A token as `cpe-host --new-token` makes one; B keeps only its SHA-256.
  local token
  token="cpe_$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n')"
  printf '%s' "$token" >"$work/token"
  {
    echo "bench.sha256 = $(printf '%s' "$token" | sha256sum | cut -d' ' -f1)"
    echo "bench.scopes = tasks:write, tasks:read"
  } >"$work/api-tokens.properties"
  printf 'Authorization: Bearer %s\n' "$token" >"$work/auth.header"  # for curl -H @file
  head -c 32 /dev/urandom >"$work/credentials.key"
  printf '%s' '{"timeoutInSeconds":14,"parameters":{"username":"admin","password":"admin","vlan":534,"interfaces":[1,2,3,4]}}' \
    >"$work/body.json"
  # The request comes from the environment (BENCH_METHOD, BENCH_TOKEN: never
  # on a command line); the figures leave in one line: 2xx per second, p50
  # and p99 in ms, requests, failed requests (non-2xx/3xx, socket errors).
  cat >"$work/bench.lua" <<'LUA'
wrk.method = os.getenv("BENCH_METHOD") or "GET"
if wrk.method == "POST" then
  local body = io.open(os.getenv("BENCH_BODY"), "r")
  wrk.body = body:read("*a")
  body:close()
  wrk.headers["Content-Type"] = "application/json"
end
local token = os.getenv("BENCH_TOKEN")
if token ~= nil and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end

done = function(summary, latency, requests)
  local e = summary.errors
  local failed = e.status + e.connect + e.read + e.write + e.timeout
  io.write(string.format("figures %.0f %.2f %.2f %d %d\n",
    (summary.requests - e.status) / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests, failed))
end
LUA
}

# --- Measuring ---------------------------------------------------------------

# measure METHOD URL [TOKEN]: wrk $runs times; prints "rate p50 p99 requests
# failed" of the median run by rate.
measure() {
  local method="$1" url="$2" token="${3:-}" out figures=()
  for _ in $(seq 1 "$runs"); do
    out=$(BENCH_METHOD="$method" BENCH_BODY="$work/body.json" BENCH_TOKEN="$token" \
          wrk -t"$threads" -c"$connections" -d"${seconds}s" --timeout 10s -s "$work/bench.lua" "$url") ||
      fail "wrk failed against $url"
    figures+=("$(awk '/^figures / {print $2, $3, $4, $5, $6}' <<<"$out")")
    [[ -n "${figures[-1]}" ]] || fail "wrk printed no figures for $url"
  done
  printf '%s\n' "${figures[@]}" | sort -n -k1,1 | awk '{run[NR] = $0} END {print run[int((NR + 1) / 2)]}'
}

rows=()   # configuration profile method rate p50 p99 ratio delivered
notes=()  # what the table should not hide
ceiling_post=0 ceiling_get=0
status=0

# record CONFIGURATION PROFILE METHOD CEILING_RATE DELIVERED FIGURES: keeps a
# row of the table (FIGURES as measure prints them); more than 1% failed
# requests fails the run.
record() {
  local configuration="$1" profile="$2" method="$3" ceiling="$4" delivered="$5"
  local rate p50 p99 requests failed ratio
  read -r rate p50 p99 requests failed <<<"$6"
  ratio=$(awk -v r="$rate" -v c="$ceiling" 'BEGIN {if (c > 0) printf "%.2f", r / c; else printf "-"}')
  if ((requests == 0 || failed * 100 > requests)); then
    echo "bench: $configuration $profile $method: $failed of $requests requests failed" >&2
    delivered="FAILED:$failed/$requests"
    status=1
  fi
  rows+=("$configuration $profile $method $rate $p50 $p99 $ratio $delivered")
}

bench_ceiling() {
  start ceiling "$work/ceiling.ready" "$ceiling_bin" --certificate "$work/certs/server.pem" \
    --private-key "$work/certs/server.key" --ready-file "$work/ceiling.ready"
  local pid=$started_pid url figures
  url="https://127.0.0.1:$(port_of "$work/ceiling.ready" https)/api/v1/equipment/cpe/ABC123"
  figures=$(measure POST "$url")
  ceiling_post=${figures%% *}
  record ceiling - POST "$ceiling_post" - "$figures"
  figures=$(measure GET "$url/task/00000000-0000-0000-0000-000000000000")
  ceiling_get=${figures%% *}
  record ceiling - GET "$ceiling_get" - "$figures"
  stop_process "$pid"
}

metric() {  # NAME METRICS_TEXT: the sum of the samples of a counter
  awk -v name="$1" '$1 == name || index($1, name "{") == 1 {sum += $2} END {printf "%d", sum}' <<<"$2"
}

# delivered OPS_PORT TASKS_QUEUE: "N/C": of the C tasks the host created, N
# are in its tasks queue (ready or held by the worker) or finished by its
# worker. Waits up to 60 s for the outbox to publish what it has.
delivered() {
  local ops="$1" queue="$2" metrics created=0 finished=0 queued=0
  for _ in $(seq 1 60); do
    metrics=$(curl -sS "http://127.0.0.1:$ops/metrics") || break
    created=$(metric cpe_tasks_created_total "$metrics")
    finished=$(metric cpe_worker_tasks_finished_total "$metrics")
    queued=$(rabbitmqctl -q list_queues name messages | awk -v q="$queue" '$1 == q {print $2}') ||
      queued=0
    ((${queued:-0} + finished >= created)) && break
    sleep 1
  done
  echo "$((${queued:-0} + finished))/$created"
}

# The queues of AMQP 1.0 hosts must exist first (RabbitMQ 3.10's AMQP 1.0
# cannot declare their arguments): declared as config/rabbitmq-definitions.json
# declares the default ones.
declare_queues() {  # BASE: BASE.tasks, BASE.results, BASE.dead
  local base="$1" definitions
  # Outside this run's folder: Debian's rabbitmqctl reads the file as the
  # rabbitmq user (and RabbitMQ 3.10 refuses "-" for stdin).
  definitions=$(mktemp /tmp/cpe-bench-queues.XXXXXX)
  chmod 644 "$definitions"
  cat >"$definitions" <<JSON
{"queues": [
  {"name": "$base.tasks", "vhost": "/", "durable": true, "auto_delete": false,
   "arguments": {"x-queue-type": "quorum", "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "$base.dead"}},
  {"name": "$base.results", "vhost": "/", "durable": true, "auto_delete": false,
   "arguments": {"x-queue-type": "quorum", "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "$base.dead"}},
  {"name": "$base.dead", "vhost": "/", "durable": true, "auto_delete": false,
   "arguments": {"x-queue-type": "quorum"}}
]}
JSON
  rabbitmqctl -q import_definitions "$definitions" >/dev/null || {
    rm -f "$definitions"
    fail "could not declare the queues $base.*"
  }
  rm -f "$definitions"
}

# bench_host STORE BROKER PROFILE: a full host from the pairing's example
# config, its POST and GET measured, then stopped and its queues and schema
# dropped.
bench_host() {
  local store="$1" broker="$2" profile="$3"
  local name="$store-$broker-$profile" base="$prefix.$1-$2-$3"
  local schema="bench_$$_${broker}_$profile" ready="$work/$1-$2-$3.ready"
  # shellcheck disable=SC2054  # the commas are in the values
  local defines=(
    -Dhost.roles=api,worker,results -Dhost.readyFile="$ready" -Dhost.shutdownGraceSeconds=0
    -Dapi.https.port=0 -Dapi.tls.certificateFile="$work/certs/server.pem"
    -Dapi.tls.privateKeyFile="$work/certs/server.key"
    -Dops.http.enabled=true -Dops.http.port=0
    -Dworker.serviceUrl="https://127.0.0.1:$stub_port" -Dworker.caFile="$work/certs/ca.pem"
    -Dlogging.loggers.root.level=warning
  )
  queues+=("$base.tasks" "$base.results" "$base.dead")
  case "$store" in
    sqlite) defines+=(-Dstore.sqlite.path="$work/$name.db") ;;
    postgres)
      schemas+=("$schema")
      defines+=(-Dstore.postgres.schema="$schema"
                "-Dstore.postgres.connection=host=127.0.0.1 port=5432 dbname=cpe_test user=cpe password=cpe connect_timeout=3") ;;
  esac
  case "$broker" in
    rabbitmq)
      defines+=(-Dbroker.rabbitmq.tasksQueue="$base.tasks" -Dbroker.rabbitmq.resultsQueue="$base.results"
                -Dbroker.rabbitmq.deadLetterQueue="$base.dead") ;;
    proton)
      declare_queues "$base"
      defines+=(-Dbroker.proton.tasksAddress="/amq/queue/$base.tasks"
                -Dbroker.proton.resultsAddress="/amq/queue/$base.results"
                -Dbroker.proton.deadLetterAddress="/amq/queue/$base.dead") ;;
  esac
  local token="" curl_auth=()
  case "$profile" in
    dev)
      defines+=(-Dapi.auth.enabled=false -Dsecurity.allowPlaintextCredentials=true
                -Dsecurity.credentialsKeyFile=) ;;
    prod)
      token="$(cat "$work/token")"
      curl_auth=(-H @"$work/auth.header")
      defines+=(-Dapi.auth.enabled=true -Dapi.auth.tokensFile="$work/api-tokens.properties"
                -Dsecurity.allowPlaintextCredentials=false
                -Dsecurity.credentialsKeyFile="$work/credentials.key") ;;
  esac

  echo "-- $store + $broker, $profile"
  start "$name" "$ready" "$host_bin" --config="config/host-$store-$broker.properties" "${defines[@]}"
  local pid=$started_pid url figures task delivered_count
  url="https://127.0.0.1:$(port_of "$ready" https)/api/v1/equipment/cpe/ABC123"

  local post get
  post=$(measure POST "$url" "$token")
  # A task to read: A holds it for 60 s, so GET answers 202 (still running).
  task=$(curl -sS --fail --cacert "$work/certs/ca.pem" "${curl_auth[@]}" \
           -H 'Content-Type: application/json' --data-binary @"$work/body.json" "$url" |
         sed -E 's/.*"taskId":"([^"]+)".*/\1/') || fail "$name: could not create a task to read"
  get=$(measure GET "$url/task/$task" "$token")
  delivered_count=$(delivered "$(port_of "$ready" ops.http)" "$base.tasks")
  if ((${delivered_count%/*} < ${delivered_count#*/})); then
    notes+=("$name: only $delivered_count of the tasks it created reached the tasks queue")
  fi
  record "$store+$broker" "$profile" POST "$ceiling_post" "$delivered_count" "$post"
  record "$store+$broker" "$profile" GET "$ceiling_get" - "$get"
  stop_process "$pid"
  drop_backends
}

print_header() {
  local commit
  commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  [[ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]] || commit+=" (modified)"
  echo "cpe-provisioning benchmark suite, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
  echo "commit $commit, build $build_dir"
  echo "wrk: $connections connections, $threads threads, HTTPS keep-alive on loopback;" \
       "${seconds} s x $runs run(s), median run shown"
}

print_table() {
  echo
  printf '%-17s %-7s %-6s %9s %8s %8s %6s  %s\n' \
    configuration profile method rate/s "p50 ms" "p99 ms" ratio "tasks queued or finished"
  for row in "${rows[@]}"; do
    # shellcheck disable=SC2086  # a row is words
    printf '%-17s %-7s %-6s %9s %8s %8s %6s  %s\n' $row
  done
  echo
  echo "ratio: rate / the ceiling's rate for the same method (bare Poco HTTPS, fixed JSON, 128 threads)"
  for note in "${notes[@]}"; do echo "NOTE: $note"; done
}

started_at=$SECONDS
prepare_machine
prepare_build
make_files
print_header
start stub "$work/stub.ready" "$stub_bin" --config=config/stub-a.properties \
  -Dstub.https.port=0 -Dstub.tls.certificateFile="$work/certs/server.pem" \
  -Dstub.tls.privateKeyFile="$work/certs/server.key" -Dstub.readyFile="$work/stub.ready" \
  -Dlogging.loggers.root.level=warning
stub_port=$(port_of "$work/stub.ready" https)
echo "-- ceiling"
bench_ceiling
for store in memory sqlite postgres; do
  for broker in rabbitmq proton; do
    for profile in dev prod; do
      [[ "$store+$broker/$profile" =~ $only ]] || continue
      bench_host "$store" "$broker" "$profile"
    done
  done
done
print_table
echo "$((SECONDS - started_at)) s in all"
exit "$status"
