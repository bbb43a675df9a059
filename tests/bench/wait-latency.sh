#!/usr/bin/env bash
# Benchmark: how long after a task's result is applied does a client waiting
# on it (GET …/task/{task}?waitSeconds=30) get its terminal answer? Two
# layouts, each over TASKS tasks posted one after another (the stub of A
# answers each after 1 s), RabbitMQ, SQLite, plain HTTP on loopback:
#   same process  one host plays api, worker and results: the process that
#                 applies the result wakes its waiters at once (TaskWatch)
#   split         an api-only host beside a worker+results host on the same
#                 SQLite file: the waiter sees the result at its next store
#                 read, every api.waitPollMs (250 ms by default)
# The latency of a task is the waiter's answer time minus the time of the
# results host's "result applied" log line (one clock, millisecond log
# stamps). Prints the median, p90 and maximum per layout in milliseconds.
#   bash tests/bench/wait-latency.sh [tasks=20]
# Figures on a shared machine are noisy: compare medians of several runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
tasks="${1:-20}"

bash deploy/local/install-deps.sh
command -v python3 >/dev/null || { apt-get update -qq && apt-get install -y -qq python3 >/dev/null; }
bash deploy/local/start-rabbitmq.sh >/dev/null
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DCPE_BUILD_TESTS=OFF >/dev/null
cmake --build build-release --parallel "$(nproc)" >/dev/null

work=$(mktemp -d /tmp/cpe-wait-bench.XXXXXX)
queue="cpe.waitbench.$$"
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
}
cleanup() {
  stop_all
  for q in tasks results dead; do
    amqp-delete-queue -s 127.0.0.1 -q "$queue.$q" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

# start NAME READY_FILE COMMAND...: runs it in the background, waits for its
# ready file (30 s at most).
start() {
  local name="$1" ready="$2"; shift 2
  "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do [[ -s "$ready" ]] && return 0; sleep 0.1; done
  echo "wait-latency: $name did not start; see its log:" >&2
  tail -20 "$work/$name.log" >&2
  exit 1
}
port_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

start stub "$work/stub.ready" build-release/stub_a/cpe-stub-a \
  -Dstub.https.enabled=false -Dstub.http.enabled=true -Dstub.http.port=0 \
  -Dstub.delaySeconds=1 -Dstub.readyFile="$work/stub.ready"
a_port=$(port_of "$work/stub.ready" http)

# host NAME ROLES DB: a cpe-host with these roles on the SQLite file DB.
host() {
  local name="$1" roles="$2" db="$3"
  start "$name" "$work/$name.ready" build-release/host/cpe-host \
    -Dhost.roles="$roles" -Dstore.plugin=sqlite -Dstore.sqlite.path="$db" \
    -Dapi.https.enabled=false -Dapi.http.enabled=true -Dapi.http.port=0 -Dapi.auth.enabled=false \
    -Dsecurity.allowPlaintextCredentials=true \
    -Dworker.serviceUrl="http://127.0.0.1:$a_port" -Dworker.threads=4 \
    -Dbroker.rabbitmq.tasksQueue="$queue.tasks" -Dbroker.rabbitmq.resultsQueue="$queue.results" \
    -Dbroker.rabbitmq.deadLetterQueue="$queue.dead" -Dlogging.format=json \
    -Dhost.readyFile="$work/$name.ready"
}

# measure LAYOUT API_PORT RESULTS_LOG: posts the tasks, waits on each, and
# prints the latency figures.
measure() {
  local layout="$1" api="$2" results_log="$3" answers="$work/$1.answers"
  : >"$answers"
  for _ in $(seq 1 "$tasks"); do
    task=$(curl -sS -X POST "http://127.0.0.1:$api/api/v1/equipment/cpe/ABC123" \
      -d '{"timeoutInSeconds":14,"parameters":{"username":"bench","password":"bench","vlan":534,"interfaces":[1]}}' |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["taskId"])')
    # The waiter's store reads (split layout) keep the phase of its start;
    # A's delay is a whole number of poll periods, so start at a random
    # point of one, as real clients do, or every result lands just after a
    # read.
    sleep "0.$(printf '%03d' $((RANDOM % 250)))"
    code=$(curl -sS -o /dev/null -w '%{http_code}' \
      "http://127.0.0.1:$api/api/v1/equipment/cpe/ABC123/task/$task?waitSeconds=30")
    echo "$task $code $(date +%s.%N)" >>"$answers"
  done
  python3 - "$layout" "$answers" "$results_log" <<'PY'
import datetime, json, statistics, sys
layout, answers_file, log_file = sys.argv[1:]
applied = {}
for line in open(log_file):
    try:
        entry = json.loads(line)
    except ValueError:
        continue
    if "result applied" in entry.get("message", "") and "taskId" in entry:
        stamp = datetime.datetime.strptime(entry["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
        applied[entry["taskId"]] = stamp.replace(tzinfo=datetime.timezone.utc).timestamp()
latencies, missing = [], 0
for line in open(answers_file):
    task, code, answered = line.split()
    if code != "200" or task not in applied:
        missing += 1
        continue
    latencies.append((float(answered) - applied[task]) * 1000)
if not latencies:
    sys.exit(f"wait-latency: {layout}: no task completed")
latencies.sort()
p90 = latencies[min(len(latencies) - 1, int(0.9 * len(latencies)))]
print(f"{layout:<14} {len(latencies):>3} tasks  median {statistics.median(latencies):7.1f} ms"
      f"  p90 {p90:7.1f} ms  max {latencies[-1]:7.1f} ms"
      + (f"  ({missing} not completed)" if missing else ""))
PY
}

echo "result applied -> waiting client answered (waitSeconds=30), $tasks tasks, A's delay 1 s"
host all api,worker,results "$work/same.db"
measure "same process" "$(port_of "$work/all.ready" http)" "$work/all.log"
if kill "${pids[1]}"; then wait "${pids[1]}" || true; fi
host back worker,results "$work/split.db"
host front api "$work/split.db"
measure "split" "$(port_of "$work/front.ready" http)" "$work/back.log"
