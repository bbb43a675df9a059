# shellcheck shell=bash disable=SC2034,SC2154  # globals shared with run.sh (checked there: shellcheck -x run.sh)
# Helpers shared by the sections of the benchmark suite: sourced by
# tests/bench/run.sh, never run on its own. They use the run's globals:
#   work     the run's private folder (mode 0700: the token and key live there)
#   prefix   of the queues and schemas this run makes
#   pids, queues, schemas   what cleanup stops and drops on the way out
#   runs, seconds, connections, threads   wrk's settings (measure)

fail() { echo "bench: $*" >&2; exit 1; }

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

# shellcheck disable=SC2317  # run by the trap run.sh sets
cleanup() {
  for pid in "${pids[@]}"; do stop_process "$pid"; done
  restore_somaxconn
  drop_backends
  if [[ -n "${CPE_BENCH_KEEP:-}" ]]; then echo "bench: kept $work" >&2; else rm -rf "$work"; fi
}

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

metric() {  # NAME METRICS_TEXT: the sum of the samples of a counter
  awk -v name="$1" '$1 == name || index($1, name "{") == 1 {sum += $2} END {printf "%d", sum}' <<<"$2"
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
  # on a command line; BENCH_PATHS, a file of paths, one is drawn at random
  # for each request); the figures leave in one line: 2xx per second, p50
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

local paths_file = os.getenv("BENCH_PATHS")
if paths_file ~= nil and paths_file ~= "" then
  local paths = {}
  for line in io.lines(paths_file) do paths[#paths + 1] = line end
  local next_thread = 1
  setup = function(thread)
    thread:set("thread_number", next_thread)
    next_thread = next_thread + 1
  end
  init = function() math.randomseed(os.time() * 100 + (thread_number or 0)) end
  request = function() return wrk.format(nil, paths[math.random(#paths)]) end
end

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

# measure METHOD URL [TOKEN [PATHS_FILE]]: wrk $runs times; prints "rate p50
# p99 requests failed" of the median run by rate. With PATHS_FILE, each
# request goes to one of its paths at random (on URL's server).
measure() {
  local method="$1" url="$2" token="${3:-}" paths="${4:-}" out figures=()
  for _ in $(seq 1 "$runs"); do
    out=$(BENCH_METHOD="$method" BENCH_BODY="$work/body.json" BENCH_TOKEN="$token" \
          BENCH_PATHS="$paths" \
          wrk -t"$threads" -c"$connections" -d"${seconds}s" --timeout 10s -s "$work/bench.lua" "$url") ||
      fail "wrk failed against $url"
    figures+=("$(awk '/^figures / {print $2, $3, $4, $5, $6}' <<<"$out")")
    [[ -n "${figures[-1]}" ]] || fail "wrk printed no figures for $url"
  done
  printf '%s\n' "${figures[@]}" | median_run
}

# median_run: of lines of figures (as measure prints them), the median by rate.
median_run() { sort -n -k1,1 | awk '{run[NR] = $0} END {print run[int((NR + 1) / 2)]}'; }

# warm_up METHOD URL [PATHS_FILE]: one 2 s wrk run whose figures are not
# kept, so that what is measured next starts warm (the growth section's
# first PostgreSQL POSTs ran 25% slower than the same size measured later;
# its first GETs over 10^6 tasks read their pages from outside PostgreSQL's
# shared buffers).
warm_up() {
  BENCH_METHOD="$1" BENCH_BODY="$work/body.json" BENCH_TOKEN="" BENCH_PATHS="${3:-}" \
    wrk -t"$threads" -c"$connections" -d2s --timeout 10s -s "$work/bench.lua" "$2" >/dev/null ||
    fail "wrk failed against $2"
}

# too_many_failed FIGURES: true when more than 1% of a measurement's requests
# failed (FIGURES as measure prints them), or none was made.
too_many_failed() {
  local requests failed
  read -r _ _ _ requests failed <<<"$1"
  ((requests == 0 || failed * 100 > requests))
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else printf "-"}'; }

# --- What a process holds ----------------------------------------------------

# proc_status PID FIELD: a field of /proc/PID/status without its unit
# (VmHWM, VmRSS in kB; Threads), or 0 once the process is gone.
proc_status() {
  awk -v field="$2:" '$1 == field {print $2; found = 1} END {if (!found) print 0}' \
    "/proc/$1/status" 2>/dev/null || echo 0
}
# listen_overflows: connections the kernel dropped at a full listen queue,
# machine-wide, since boot (TcpExt ListenOverflows).
listen_overflows() {
  awk '/^TcpExt:/ {if (!names) {split($0, name); names = 1; next}
                   for (i = 2; i <= NF; i++) if (name[i] == "ListenOverflows") print $i}' /proc/net/netstat
}
mb() { awk -v kb="$1" 'BEGIN {printf "%.1f", kb / 1024}'; }  # KB: in MB, one decimal

# raise_somaxconn N: the kernel's cap on a listen queue
# (net.core.somaxconn) raised to N if below, for this run only; fails if
# it is below N and cannot be raised (not root). restore_somaxconn
# puts the old value back (cleanup calls it too).
somaxconn_saved=""
raise_somaxconn() {
  local now
  now=$(cat /proc/sys/net/core/somaxconn)
  ((now >= $1)) && return 0
  [[ -w /proc/sys/net/core/somaxconn ]] || return 1
  [[ -n "$somaxconn_saved" ]] || somaxconn_saved=$now
  echo "$1" >/proc/sys/net/core/somaxconn
}
restore_somaxconn() {
  [[ -n "$somaxconn_saved" ]] || return 0
  echo "$somaxconn_saved" >/proc/sys/net/core/somaxconn
  somaxconn_saved=""
}
