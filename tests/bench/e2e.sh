# shellcheck shell=bash disable=SC2034,SC2154  # globals shared with run.sh (checked there: shellcheck -x run.sh)
# Section "e2e" of tests/bench/run.sh (sourced): end to end at steady state.
# For each CxW of --e2e-layouts, on loopback, in the dev profile (auth off,
# credentials in the clear), RabbitMQ through RabbitMQ-C:
#   stub of A    answering after D s (--e2e-delay) over HTTPS (--e2e-plain:
#                HTTP); it holds each call on a thread of its own, so its
#                server gets C threads and a tenth more, plus 64 for /stats
#                and probes, and as many accepted connections waiting
#   api+results  one cpe-host (host.roles=api,results), memory store: the API
#                side then never waits for a disk, and the figure is the
#                workers'
#   W workers    cpe-hosts with host.roles=worker and worker.threads = C/W
# Load: distinct tasks (a device each) posted by wrk over HTTPS keep-alive:
# the first C paced over 0.95 D, so that the worker threads' calls start at
# every phase of A's delay as they do at steady state, then (R - 1) C more
# at once (--e2e-rounds R, 4), a backlog that keeps every thread busy, then
# whenever fewer than 3 C tasks are unfinished at the workers, a round
# that brings them back to 3 C (C/2 at least, or 2 C/D if more; a fixed
# round fell behind the workers): tasks arrive as fast as they finish, as
# at steady state, where the API's work shares the machine with the calls.
# The start is not steady: on two cores the stub takes 50-70 s to accept
# 8,000 TLS connections (one acceptor thread, then a thread and a handshake
# each), and how long varies from run to run. So the window is placed after
# the measured start (ramp: the stub runs threads for 99% of C calls; its
# few idle ones are pool threads that serve calls too): from one period
# after max(ramp, D), K periods long (--e2e-periods K, 6); the rounds stop
# at its end.
# Figure: the rate at which tasks finish over the window (the least-squares
# slope of cpe_results_applied_total on the api+results host against time,
# sampled every 0.5 s by cpe-bench-sampler), as a ratio of C/D. After a
# slow start the calls' phases are bunched: tasks finish in steps of up
# to C once a period, and a count between two instants is off by up to a
# step at each edge (a 2 D window: 0.61 and 1.23 of C/D in two runs of one
# build). The slope of K whole periods of such steps is off by at most
# about 1/K^2 of C/D whatever the phases (K = 6: 3%).
# Where the time goes: the tasks the workers finished a second over the
# window (the same slope), the workers' mean call to A against a thread's
# time per task, connections to A opened (the stub's established connections,
# sampled: a connection lives as long as its call) against calls, failed
# calls, circuit-breaker openings, connections the kernel dropped at a full
# listen queue, and how long the stub took to run a thread for 99% of C
# calls (Poco serves each connection on a thread of its own).
# Per process (each worker, the stub): the most threads seen, RSS idle and
# at its peak (VmHWM), and the peak per call in flight.

e2e_rows=()   # layout delay tasks window rate ideal ratio target met failed
e2e_why=()    # layout worker_rate call cycle calls connections errors breaker overflows ramp
e2e_procs=()  # layout process calls threads idle_kb peak_kb in_flight
e2e_notes=()

# The wrk script of the load: BENCH_COUNT POSTs over BENCH_THREADS threads,
# each a task of a device of its own (E2E<tag><thread>N<n>), each connection
# pausing BENCH_DELAY_MS before each request (0: none). A thread past its
# share stops; the request it is asked for meanwhile is a harmless GET.
e2e_make_script() {
  cat >"$work/post.lua" <<'LUA'
local file = io.open(os.getenv("BENCH_BODY"), "r")
local body = file:read("*a")
file:close()
local count = tonumber(os.getenv("BENCH_COUNT"))
local threads = tonumber(os.getenv("BENCH_THREADS"))
local pause = tonumber(os.getenv("BENCH_DELAY_MS"))
local tag = os.getenv("BENCH_TAG")
local headers = {["Content-Type"] = "application/json"}
local next_thread = 1

function setup(thread)
  thread:set("number", next_thread)
  next_thread = next_thread + 1
end

sent = 0
function init()
  quota = math.floor(count / threads) + ((number <= count % threads) and 1 or 0)
  -- wrk calls request() once on the first thread's script to check it
  -- (script_verify_request in wrk.c): that request is never sent.
  if number == 1 then quota = quota + 1 end
end

function request()
  if sent >= quota then
    wrk.thread:stop()
    return wrk.format("GET", "/healthz")
  end
  sent = sent + 1
  return wrk.format("POST", string.format("/api/v1/equipment/cpe/E2E%s%dN%d", tag, number, sent),
                    headers, body)
end

if pause > 0 then
  function delay() return pause end
end
LUA
}

e2e_metrics() { curl -fsS --max-time 5 "http://127.0.0.1:$1/metrics"; }  # OPS_PORT

# e2e_count NAME OPS_PORT: the counter NAME of the host at OPS_PORT, read
# again (10 tries, 0.5 s apart) while its /metrics does not answer (under
# the load of 8,000 calls a read can pass its 5 s); - if it never did.
e2e_count() {
  local metrics try
  for try in 1 2 3 4 5 6 7 8 9 10; do
    if metrics=$(e2e_metrics "$2"); then metric "$1" "$metrics"; return; fi
    ((try == 10)) || sleep 0.5
  done
  echo -
}

# e2e_post URL OPS_PORT COUNT CONNECTIONS PAUSE_MS TAG: COUNT tasks posted
# through wrk; returns once the API created them all (or gave up waiting:
# then a note says so).
e2e_post() {
  local url="$1" ops="$2" count="$3" conns="$4" pause="$5" tag="$6"
  local target wrk_pid created=0 deadline poll
  # Polled every fortieth of D, within 0.1-0.25 s: often enough for the
  # next round to arrive before 3 C unfinished run out at D = 1 s, rarely
  # enough that curl takes little from the hosts at D = 10 s.
  poll=$(awk -v d="$e2e_delay" 'BEGIN {p = d / 40; print (p < 0.1 ? 0.1 : (p > 0.25 ? 0.25 : p))}')
  target=$(e2e_count cpe_tasks_created_total "$ops")
  if [[ "$target" == - ]]; then
    e2e_notes+=("$tag: nothing posted: the API's count of tasks could not be read")
    return
  fi
  target=$((target + count))
  deadline=$((SECONDS + 2 * e2e_delay + count / 100 + 30))
  BENCH_BODY="$work/body.json" BENCH_COUNT="$count" BENCH_THREADS="$threads" \
    BENCH_DELAY_MS="$pause" BENCH_TAG="$tag" \
    wrk -t"$threads" -c"$conns" -d1h --timeout 30s -s "$work/post.lua" "$url" \
    >"$work/wrk-$tag.log" 2>&1 &
  wrk_pid=$!
  pids+=("$wrk_pid")
  while ((SECONDS < deadline)) && kill -0 "$wrk_pid" 2>/dev/null; do
    created=$(e2e_count cpe_tasks_created_total "$ops")
    [[ "$created" != - ]] || created=0
    ((created >= target)) && break
    sleep "$poll"
  done
  stop_process "$wrk_pid"
  ((created >= target)) || e2e_notes+=("$tag: $created of $target tasks created when posting stopped")
}

# e2e_shortfall SAMPLES CALLS AFTER: how many tasks short of 3 CALLS
# created and not yet finished by the workers (CALLS in flight, 2 CALLS
# queued) at the last sample of tasks created, if taken AFTER s or later
# (after the last round was posted), otherwise 0; the workers' count is the
# last one read (an older one only makes the shortfall smaller).
e2e_shortfall() {
  awk -v c="$2" -v after="$3" '$7 ~ /^[0-9]+$/ {f = $7} $2 ~ /^[0-9]+$/ {t = $1; n = $2}
    END {u = n - f; print (t >= after && f != "" && u < 3 * c) ? 3 * c - u : 0}' "$1"
}

# e2e_since T0: seconds from T0 (an EPOCHREALTIME) to now, to 0.01 s, with
# no process.
e2e_since() {
  local now=${EPOCHREALTIME/./} then=${1/./} centi
  centi=$(((now - then) / 10000))
  printf '%d.%02d' $((centi / 100)) $((centi % 100))
}

column_max() {  # COLUMN SAMPLES: the largest number in COLUMN
  awk -v c="$1" '$c ~ /^[0-9]+$/ && $c + 0 > max + 0 {max = $c} END {print max + 0}' "$2"
}

e2e_elapsed() { local t0; read -r t0 <"$1"; e2e_since "$t0"; }  # T0_FILE: seconds since, no process

# e2e_ramp SAMPLES CALLS: seconds after the first POST until the stub ran
# threads for 99% of CALLS calls (one per connection), or nothing yet.
e2e_ramp() { awk -v c="$2" '$4 >= 0.99 * c {printf "%.1f", $1; exit}' "$1"; }

# e2e_window RAMP: the window's start and end, in seconds after the first
# POST: a period after max(RAMP, D), K D long.
e2e_window() {
  awk -v r="$1" -v d="$e2e_delay" -v k="$e2e_periods" 'BEGIN {
    from = (r > d ? r : d) + d
    printf "%.1f %.1f\n", from, from + k * d}'
}

# e2e_slope SAMPLES COLUMN FROM TO: the count in COLUMN of the samples
# (3: results applied; 7: tasks the workers finished) per second from FROM
# to TO s, the least-squares slope of the samples between them, or - when
# they do not reach TO or are too few.
e2e_slope() {
  awk -v c="$2" -v from="$3" -v to="$4" '
    $1 >= from && $1 <= to && $c ~ /^[0-9]+$/ {n++; t[n] = $1; a[n] = $c; st += $1; sa += $c}
    {last = $1}
    END {
      if (n < 3 || last < to) {print "-"; exit}
      mt = st / n; ma = sa / n
      for (i = 1; i <= n; i++) {cov += (t[i] - mt) * (a[i] - ma); var += (t[i] - mt) ^ 2}
      printf "%.1f\n", cov / var
    }' "$1"
}

# e2e_call_mean SAMPLES FROM TO: the mean of the workers' calls to A that
# ended between FROM and TO s (columns 8 and 9), or - when none did.
e2e_call_mean() {
  awk -v from="$2" -v to="$3" '$1 >= from && $1 <= to && $8 ~ /^[0-9.]+$/ && $9 ~ /^[0-9]+$/ {
      if (!n++) {s0 = $8; c0 = $9}
      s = $8; c = $9
    }
    END {if (c > c0) printf "%.2f\n", (s - s0) / (c - c0); else print "-"}' "$1"
}

# e2e_layout CALLS WORKERS
e2e_layout() {
  local calls="$1" workers="$2" per=$(($1 / $2)) delay="$e2e_delay"
  local name="e2e-${calls}x$workers" base="$prefix.e2e-${calls}x$workers"
  local stub_threads=$((calls + calls / 10 + 64)) worker_list=() i scheme=https
  [[ "$e2e_plain" == no ]] || scheme=http
  echo "-- e2e: $calls calls in flight over $workers worker process(es), A answering after $delay s over $scheme"
  queues+=("$base.tasks" "$base.results" "$base.dead")

  # The stub holds each call on a thread of its own for D s: C threads and a
  # tenth more, as many accepted connections waiting for one.
  local stub_listener=(-Dstub.https.port=0)
  [[ "$scheme" == https ]] ||
    stub_listener=(-Dstub.https.enabled=false -Dstub.http.enabled=true -Dstub.http.port=0)
  start "$name-stub" "$work/$name-stub.ready" "$stub_bin" --config=config/stub-a.properties \
    "${stub_listener[@]}" -Dstub.tls.certificateFile="$work/certs/server.pem" \
    -Dstub.tls.privateKeyFile="$work/certs/server.key" -Dstub.readyFile="$work/$name-stub.ready" \
    -Dstub.delaySeconds="$delay" -Dstub.server.maxThreads="$stub_threads" \
    -Dstub.server.maxQueued="$stub_threads" -Dlogging.loggers.root.level=warning
  local stub_pid=$started_pid stub_port stub_url
  stub_port=$(port_of "$work/$name-stub.ready" "$scheme")
  stub_url="$scheme://127.0.0.1:$stub_port"

  # shellcheck disable=SC2054  # the commas are in the values
  local common=(
    --config=config/host-memory-rabbitmq.properties -Dhost.shutdownGraceSeconds=0
    -Dbroker.rabbitmq.tasksQueue="$base.tasks" -Dbroker.rabbitmq.resultsQueue="$base.results"
    -Dbroker.rabbitmq.deadLetterQueue="$base.dead"
    -Dops.http.enabled=true -Dops.http.port=0
    -Dsecurity.allowPlaintextCredentials=true -Dsecurity.credentialsKeyFile=
    -Dlogging.loggers.root.level=warning
  )
  start "$name-api" "$work/$name-api.ready" "$host_bin" "${common[@]}" \
    -Dhost.roles=api,results -Dhost.readyFile="$work/$name-api.ready" \
    -Dapi.https.port=0 -Dapi.tls.certificateFile="$work/certs/server.pem" \
    -Dapi.tls.privateKeyFile="$work/certs/server.key" -Dapi.auth.enabled=false
  local api_pid=$started_pid api_ops url
  api_ops=$(port_of "$work/$name-api.ready" ops.http)
  url="https://127.0.0.1:$(port_of "$work/$name-api.ready" https)"
  for i in $(seq 1 "$workers"); do
    start "$name-worker$i" "$work/$name-worker$i.ready" "$host_bin" "${common[@]}" \
      -Dhost.roles=worker -Dhost.readyFile="$work/$name-worker$i.ready" \
      -Dworker.threads="$per" -Dworker.serviceUrl="$stub_url" \
      -Dworker.caFile="$work/certs/ca.pem" ${CPE_BENCH_WORKER_DEFINES:-}
    worker_list+=("$started_pid:$(port_of "$work/$name-worker$i.ready" ops.http)")
  done
  sleep 1  # the workers' consumers settle on the queue
  local idle=() worker
  for worker in "${worker_list[@]}"; do idle+=("$(proc_status "${worker%:*}" VmRSS)"); done
  idle+=("$(proc_status "$stub_pid" VmRSS)")

  local overflows samples="$work/$name.samples" t0_file="$work/$name.t0" sampler_pid posted
  overflows=$(listen_overflows)
  # One process on a 0.5 s beat (tests/bench/sampler.cpp: the columns);
  # the stub's connections listed every D/3 s, so each is seen once.
  "$sampler_bin" --t0-file "$t0_file" --api-ops "$api_ops" --stub-pid "$stub_pid" \
    --stub-port "$stub_port" --every-ms 500 --list-every-ms $((delay * 1000 / 3)) \
    "${worker_list[@]}" >"$samples" &
  sampler_pid=$!
  pids+=("$sampler_pid")
  # The first C over 0.95 D from 16 connections (each pausing between its
  # POSTs), then the other rounds' at once from wrk's usual connections.
  local paced=$((calls < 16 ? calls : 16))
  echo "$EPOCHREALTIME" >"$t0_file.new"
  mv "$t0_file.new" "$t0_file"  # whole, never read half written
  e2e_post "$url" "$api_ops" "$calls" "$paced" $((paced * delay * 950 / calls)) A
  e2e_post "$url" "$api_ops" $(((e2e_rounds - 1) * calls)) "$connections" 0 B
  posted=$(e2e_elapsed "$t0_file")  # samples before it do not count B
  # From then on tasks arrive as fast as the workers finish them, as at
  # steady state: back to 3 C unfinished whenever fewer are, until the
  # window, which follows the stub's start, is over.
  local ramp="" from="" to="" round=0 deadline=$((SECONDS + 30 * delay + 120))
  local least=$((calls / 2 > 2 * calls / delay ? calls / 2 : 2 * calls / delay)) short
  while true; do
    if [[ -z "$to" ]]; then
      ramp=$(e2e_ramp "$samples" "$calls")
      if [[ -n "$ramp" ]]; then
        read -r from to <<<"$(e2e_window "$ramp")"
      elif ((SECONDS >= deadline)); then
        e2e_notes+=("$name: the stub never ran a thread for 99% of $calls calls; window from then")
        ramp=never
        read -r from to <<<"$(e2e_window "$(e2e_elapsed "$t0_file")")"
      fi
    fi
    if [[ -n "$to" ]] &&
      awk -v now="$(e2e_elapsed "$t0_file")" -v to="$to" 'BEGIN {exit !(now > to + 1)}'; then
      break
    fi
    short=$(e2e_shortfall "$samples" "$calls" "$posted")
    if ((short > 0)); then
      round=$((round + 1))
      e2e_post "$url" "$api_ops" $((short > least ? short : least)) "$connections" 0 "F${round}x"
      posted=$(e2e_elapsed "$t0_file")
    fi
    sleep 0.5
  done

  # Every task finished, or twice the time the backlog needs and a minute.
  local created applied
  created=$(e2e_count cpe_tasks_created_total "$api_ops")
  applied=$(e2e_count cpe_results_applied_total "$api_ops")
  if [[ "$created" == - || "$applied" == - ]]; then
    e2e_notes+=("$name: the API's counts could not be read after the window; not waited for")
  else
    deadline=$((SECONDS + 2 * (created - applied) * delay / calls + 2 * delay + 60))
    while ((SECONDS < deadline)); do
      applied=$(e2e_count cpe_results_applied_total "$api_ops")
      [[ "$applied" != - ]] || applied=0
      ((applied >= created)) && break
      sleep 0.5
    done
    ((applied >= created)) || e2e_notes+=("$name: only $applied of $created tasks finished")
  fi
  sleep 1  # a last sample
  stop_process "$sampler_pid"
  overflows=$(($(listen_overflows) - overflows))
  e2e_record "$name" "$calls" "$workers" "$created" "$samples" "$stub_pid" "$api_ops" \
    "${idle[*]}" "$from" "$to" "$ramp" "${worker_list[@]}"

  for worker in "${worker_list[@]}"; do stop_process "${worker%:*}"; done
  stop_process "$api_pid"
  stop_process "$stub_pid"
  drop_backends
}

# e2e_record NAME CALLS WORKERS CREATED SAMPLES STUB_PID API_OPS IDLE_KB
# FROM TO RAMP WORKER_PID:OPS_PORT...: the rows of the tables for one
# layout, read while its processes still run (and the caller's stub_url,
# overflows).
e2e_record() {
  local name="$1" calls="$2" workers="$3" created="$4" samples="$5" stub_pid="$6" api_ops="$7"
  local -a idle
  read -r -a idle <<<"$8"
  local from="$9" to="${10}" ramp="${11}"
  shift 11
  local layout="${calls}x$workers" delay="$e2e_delay" rate ideal target metrics failed
  rate=$(e2e_slope "$samples" 3 "$from" "$to")
  [[ "$rate" != "-" ]] || e2e_notes+=("$name: the samples do not reach ${to} s")
  [[ -z "$(awk -v f="$from" -v t="$to" -v c="$calls" '$1 >= f && $1 <= t && $2 ~ /^[0-9]+$/ &&
      $7 ~ /^[0-9]+$/ && $2 - $7 < c {print "short"; exit}' "$samples")" ]] ||
    e2e_notes+=("$name: fewer than $calls tasks unfinished at the workers in the window: threads may have idled")
  ideal=$(awk -v c="$calls" -v d="$delay" 'BEGIN {printf "%.1f", c / d}')
  target=$( ((workers == 1)) && echo 0.95 || echo 0.90)
  failed=-
  if metrics=$(e2e_metrics "$api_ops"); then
    failed=$(( $(metric cpe_results_applied_total "$metrics") -
               $(awk '/^cpe_results_applied_total\{.*status="completed"/ {printf "%d", $2}' <<<"$metrics") ))
  fi
  local ratio_value met
  ratio_value=$(ratio "${rate/-/0}" "$ideal")
  met=$(awk -v r="$ratio_value" -v t="$target" 'BEGIN {print (r + 0 >= t) ? "yes" : "NO"}')
  e2e_rows+=("$layout $delay $created $from-$to $rate $ideal $ratio_value $target $met $failed")

  # Where a task's time goes in the window: a thread's whole turn (C / the
  # workers' rate) against its call to A (the workers'
  # cpe_a_call_duration_seconds: connecting, TLS, A's delay), the rest
  # between calls (the next task, the result); connections to A per call;
  # what went wrong on the way.
  local call_count=0 call_errors=0 breaker=0 worker cycle call other i
  for worker in "$@"; do
    metrics=$(e2e_metrics "${worker#*:}") ||
      e2e_notes+=("$name: ${worker#*:}'s metrics could not be read: calls and errors leave it out")
    call_errors=$((call_errors + $(awk '/^cpe_worker_calls_total\{.*outcome="failed"/ {printf "%d", $2}' <<<"$metrics")))
    call_count=$((call_count + $(metric cpe_a_call_duration_seconds_count "$metrics")))
  done
  for i in $(seq 1 "$workers"); do
    breaker=$((breaker + $(grep -c 'circuit breaker open' "$work/$name-worker$i.log" || true)))
  done
  call=$(e2e_call_mean "$samples" "$from" "$to")
  local worker_rate
  worker_rate=$(e2e_slope "$samples" 7 "$from" "$to")
  cycle=$(awk -v c="$calls" -v r="$worker_rate" 'BEGIN {if (r + 0 > 0) printf "%.2f", c / r; else print "-"}')
  other=$(awk -v c="$cycle" -v a="$call" 'BEGIN {if (c != "-" && a != "-") printf "%.2f", c - a; else print "-"}')
  local connections_to_a
  connections_to_a=$(awk '{n += $6} END {print n + 0}' "$samples")
  e2e_why+=("$layout $worker_rate $call $cycle $other $call_count $connections_to_a $call_errors $breaker $overflows $ramp")

  # Processes: the most threads seen, idle and peak RSS, peak per call.
  local column=10
  i=0
  for worker in "$@"; do
    e2e_procs+=("$layout worker$((i + 1)) $((calls / workers)) $(column_max "$column" "$samples") \
      ${idle[$i]} $(proc_status "${worker%:*}" VmHWM) $(column_max $((column + 2)) "$samples")")
    column=$((column + 3)) i=$((i + 1))
  done
  local held
  held=$(curl -sS --max-time 10 --cacert "$work/certs/ca.pem" "$stub_url/stats" |
    sed -nE 's/.*"maxHeld":([0-9]+).*/\1/p') || held=""
  e2e_procs+=("$layout stub $calls $(column_max 4 "$samples") ${idle[$i]} $(proc_status "$stub_pid" VmHWM) ${held:--}")
}

section_e2e() {
  e2e_make_script
  # The stub asks for a listen queue as long as its threads (C + C/10 + 64);
  # the kernel cuts it to net.core.somaxconn (4,096 on Debian 12), and at
  # 8,000 calls a run lost 23-37k connections at the full queue, each a
  # worker's connect retried after a second or more.
  local layout largest=0 queue
  for layout in ${e2e_layouts//,/ }; do
    queue=$((${layout%x*} + ${layout%x*} / 10 + 64))
    ((queue > largest)) && largest=$queue
  done
  raise_somaxconn "$largest" ||
    e2e_notes+=("net.core.somaxconn is $(cat /proc/sys/net/core/somaxconn), below the stub's listen queue of $largest (not root): connections may be dropped at a full queue (listen ov)")
  for layout in ${e2e_layouts//,/ }; do e2e_layout "${layout%x*}" "${layout#*x}"; done
  restore_somaxconn
}

print_e2e_table() {
  echo "End to end at steady state: C calls in flight over W worker processes, A answering after D s"
  echo "(C tasks paced over 0.95 D, $((e2e_rounds - 1)) C more at once, then back to 3 C unfinished whenever fewer are;"
  echo " finished/s: the slope of tasks finished over the window, from a period after max(ramp, D),"
  echo " $e2e_periods D long)"
  printf '%-9s %4s %6s %11s %10s %8s %6s %6s %4s %6s\n' \
    CxW "D s" tasks "window s" finished/s "C/D /s" ratio target met failed
  for row in "${e2e_rows[@]}"; do
    # shellcheck disable=SC2086  # a row is words
    printf '%-9s %4s %6s %11s %10s %8s %6s %6s %4s %6s\n' $row
  done
  echo "failed: tasks that did not complete (A answered otherwise, or the retries ran out)"
  echo
  echo "End to end, where the time goes"
  printf '%-9s %9s %7s %8s %7s %7s %8s %7s %8s %9s %8s\n' \
    CxW "workers/s" "call s" "cycle s" "other s" calls "A conns" errors breaker "listen ov" "ramp s"
  for row in "${e2e_why[@]}"; do
    # shellcheck disable=SC2086  # a row is words
    printf '%-9s %9s %7s %8s %7s %7s %8s %7s %8s %9s %8s\n' $row
  done
  echo "workers/s: tasks the workers finished a second over the window (the slope, as finished/s;"
  echo "more than finished/s when results wait to be applied); call s: mean of the workers' calls to A"
  echo "that ended in the window (connect, TLS, A's delay); cycle s: a thread's time per task"
  echo "(C / workers/s); other s: cycle - call, a thread's time per task outside its call (waiting"
  echo "for its next task, publishing the result); calls: all of the run; A conns:"
  echo "connections to A opened (seen by the stub); errors: calls that failed and were retried;"
  echo "breaker: times a worker's circuit breaker opened; listen ov: connections the kernel dropped at"
  echo "a full listen queue (machine-wide); ramp s: until the stub ran a thread for 99% of C calls"
  echo "(one per connection)"
  echo
  echo "End to end, per process: threads and memory per call in flight"
  printf '%-9s %-8s %6s %8s %8s %8s %8s %9s %9s\n' \
    CxW process calls threads "idle MB" "peak MB" "KB/call" "thr/call" "in flight"
  for row in "${e2e_procs[@]}"; do
    local layout process calls threads_seen idle peak held
    read -r layout process calls threads_seen idle peak held <<<"$row"
    printf '%-9s %-8s %6s %8s %8s %8s %8s %9s %9s\n' "$layout" "$process" "$calls" "$threads_seen" \
      "$(mb "$idle")" "$(mb "$peak")" "$(awk -v p="$peak" -v c="$calls" 'BEGIN {printf "%.0f", p / c}')" \
      "$(awk -v t="$threads_seen" -v c="$calls" 'BEGIN {printf "%.2f", t / c}')" "$held"
  done
  echo "threads: the most seen; peak: VmHWM; KB/call: peak / calls; in flight: the most tasks a worker"
  echo "held (stub: requests held at once). Target: peak <= 300 MB for 2000 calls in one worker"
  for note in "${e2e_notes[@]}"; do echo "NOTE: $note"; done
}
