#!/usr/bin/env bash
# Benchmark: accepted POSTs per second on service B (api role only), with the
# given store and RabbitMQ, over plain HTTP keep-alive on loopback, load from
# wrk on the same machine. Prints each run and the median; then checks that
# every accepted task reached the tasks queue (the outbox kept its promise).
#   bash tests/bench/post-throughput.sh [store=memory] [seconds=10] [runs=3] [connections=64]
# Figures on a shared 2-core machine are noisy: compare medians, not single runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
store="${1:-memory}" seconds="${2:-10}" runs="${3:-3}" connections="${4:-64}"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
bash deploy/local/install-deps.sh
bash deploy/local/start-rabbitmq.sh >/dev/null
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DCPE_BUILD_TESTS=OFF >/dev/null
cmake --build build-release --parallel "$(nproc)" >/dev/null

work=$(mktemp -d /tmp/cpe-bench.XXXXXX)
queue="cpe.bench.$$"
trap 'kill "$host_pid" 2>/dev/null || true; wait 2>/dev/null || true;
      amqp-delete-queue -s 127.0.0.1 -q "$queue.tasks" >/dev/null 2>&1 || true;
      amqp-delete-queue -s 127.0.0.1 -q "$queue.results" >/dev/null 2>&1 || true;
      amqp-delete-queue -s 127.0.0.1 -q "$queue.dead" >/dev/null 2>&1 || true;
      rm -rf "$work"' EXIT

build-release/host/cpe-host -Dhost.roles=api -Dstore.plugin="$store" \
  -Dstore.sqlite.path="$work/tasks.db" -Dstore.sqlite.synchronous=NORMAL \
  -Dapi.https.enabled=false -Dapi.http.enabled=true -Dapi.http.port=0 -Dapi.auth.enabled=false \
    -Dsecurity.allowPlaintextCredentials=true \
  -Dapi.server.maxThreads=256 -Dhost.readyFile="$work/ready.json" \
  -Dbroker.rabbitmq.tasksQueue="$queue.tasks" -Dbroker.rabbitmq.resultsQueue="$queue.results" \
  -Dbroker.rabbitmq.deadLetterQueue="$queue.dead" -Dlogging.loggers.root.level=warning \
  >"$work/host.log" 2>&1 &
host_pid=$!
for _ in $(seq 1 100); do [[ -s "$work/ready.json" ]] && break; sleep 0.1; done
port=$(sed -E 's/.*"http":([0-9]+).*/\1/' "$work/ready.json")

cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"timeoutInSeconds":14,"parameters":{"username":"admin","password":"admin","vlan":534,"interfaces":[1,2,3,4]}}'
done = function(summary, latency, requests)
  local non200 = summary.errors.status + summary.errors.connect + summary.errors.read +
                 summary.errors.write + summary.errors.timeout
  io.write(string.format("accepted %d  errors %d  p50 %.2f ms  p99 %.2f ms\n",
           summary.requests - non200, non200, latency:percentile(50) / 1000,
           latency:percentile(99) / 1000))
end
LUA

rates=()
accepted_total=0
for run in $(seq 1 "$runs"); do
  out=$(wrk -t2 -c"$connections" -d"${seconds}s" -s "$work/post.lua" \
        "http://127.0.0.1:$port/api/v1/equipment/cpe/ABC123")
  rate=$(awk '/Requests\/sec/ {print int($2)}' <<<"$out")
  accepted=$(awk '/^accepted/ {print $2}' <<<"$out")
  accepted_total=$((accepted_total + accepted))
  rates+=("$rate")
  echo "run $run: $rate POST/s  ($(grep '^accepted' <<<"$out"))"
done
median=$(printf '%s\n' "${rates[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "median: $median accepted POST/s ($store store, $connections connections, ${seconds}s x $runs)"

# Every accepted task must reach the queue: wait for the outbox to drain.
# wrk does not count the requests it cuts off at the end of a run (at most one
# per connection per run) though the host may have accepted them, so the
# queue may hold up to runs x connections more than "accepted".
for _ in $(seq 1 120); do
  queued=$(rabbitmqctl -q list_queues name messages | awk -v q="$queue.tasks" '$1 == q {print $2}')
  [[ "${queued:-0}" -ge "$accepted_total" ]] && break
  sleep 1
done
echo "published: ${queued:-0} of $accepted_total accepted tasks on $queue.tasks"
[[ "${queued:-0}" -ge "$accepted_total" ]]
