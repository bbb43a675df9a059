# shellcheck shell=bash disable=SC2034,SC2154  # globals shared with run.sh (checked there: shellcheck -x run.sh)
# Section "api" of tests/bench/run.sh (sourced): B's POST and GET beside the
# ceiling.
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
# of one task; 2xx answers per second, p50 and p99 latency (the median of
# the runs, by rate), and the rate's ratio to the ceiling's for the same
# method: each run of B follows a run of the ceiling, and the ratio is the
# median of the runs' ratios, so that the machine's speed, which drifts
# over the section's twenty minutes, cancels out (measured once at the
# start, the ceiling had GETs of B at 1.13 of it by the end). Then, per host, how many of the tasks it created are in its tasks
# queue or finished by its worker (all of them, once the outbox is through).
# Uses the run's globals build_dir, host_bin, stub_bin, ceiling_bin, only.

api_rows=()   # configuration profile method rate p50 p99 ceiling ratio delivered
api_notes=()  # what the table should not hide
ceiling_url=""

# record CONFIGURATION PROFILE METHOD DELIVERED PAIRED: keeps a row of the
# table (PAIRED as measure_paired prints it); more than 1% failed requests
# fails the run.
record() {
  local configuration="$1" profile="$2" method="$3" delivered="$4"
  local rate p50 p99 requests failed ceiling ratio_value
  read -r rate p50 p99 requests failed ceiling ratio_value <<<"$5"
  if too_many_failed "$rate $p50 $p99 $requests $failed"; then
    echo "bench: $configuration $profile $method: $failed of $requests requests failed" >&2
    delivered="FAILED:$failed/$requests"
    status=1
  fi
  api_rows+=("$configuration $profile $method $rate $p50 $p99 $ceiling $ratio_value $delivered")
}

# measure_paired METHOD URL TOKEN: $runs rounds of a run of the ceiling
# (the same method) and then a run of URL; prints the median run of URL
# (as measure prints it), the ceiling's median rate and the median of the
# rounds' ratios.
measure_paired() {
  local method="$1" url="$2" token="$3" target="$ceiling_url" runs_of_b="" ceilings="" ratios=""
  local ceiling b
  [[ "$method" == POST ]] || target="$ceiling_url/task/00000000-0000-0000-0000-000000000000"
  for _ in $(seq 1 "$runs"); do
    ceiling=$(runs=1 measure "$method" "$target")
    b=$(runs=1 measure "$method" "$url" "$token")
    runs_of_b+="$b"$'\n' ceilings+="${ceiling%% *}"$'\n'
    ratios+="$(ratio "${b%% *}" "${ceiling%% *}")"$'\n'
  done
  echo "$(median_run <<<"${runs_of_b%$'\n'}") $(median_run <<<"${ceilings%$'\n'}")" \
    "$(median_run <<<"${ratios%$'\n'}")"
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

# host_defines STORE BROKER PROFILE BASE READY: sets the caller's `defines`
# to the -D settings that put a host from the pairing's example config on
# this run's ports, certificates, queues (BASE.*) and store (the SQLite
# file $host_db if the caller sets it, else one in $work; a schema of its
# own, named in host_schema), in the profile; host_token is the bearer
# token the profile needs (empty for dev).
host_defines() {
  local store="$1" broker="$2" profile="$3" base="$4" ready="$5"
  local schema="bench_$$_${base##*.}"
  schema="${schema//-/_}"
  # shellcheck disable=SC2054  # the commas are in the values
  defines=(
    -Dhost.readyFile="$ready" -Dhost.shutdownGraceSeconds=0
    -Dapi.https.port=0 -Dapi.tls.certificateFile="$work/certs/server.pem"
    -Dapi.tls.privateKeyFile="$work/certs/server.key"
    -Dops.http.enabled=true -Dops.http.port=0
    -Dworker.caFile="$work/certs/ca.pem"
    -Dlogging.loggers.root.level=warning
  )
  queues+=("$base.tasks" "$base.results" "$base.dead")
  case "$store" in
    sqlite) defines+=(-Dstore.sqlite.path="${host_db:-$work/${base##*.}.db}") ;;
    postgres)
      schemas+=("$schema")
      host_schema="$schema"
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
  host_token=""
  case "$profile" in
    dev)
      defines+=(-Dapi.auth.enabled=false -Dsecurity.allowPlaintextCredentials=true
                -Dsecurity.credentialsKeyFile=) ;;
    prod)
      host_token="$(cat "$work/token")"
      defines+=(-Dapi.auth.enabled=true -Dapi.auth.tokensFile="$work/api-tokens.properties"
                -Dsecurity.allowPlaintextCredentials=false
                -Dsecurity.credentialsKeyFile="$work/credentials.key") ;;
  esac
}

# bench_host STORE BROKER PROFILE: a full host from the pairing's example
# config, its POST and GET measured, then stopped and its queues and schema
# dropped.
bench_host() {
  local store="$1" broker="$2" profile="$3"
  local name="$store-$broker-$profile" ready="$work/$1-$2-$3.ready"
  local defines=() host_token="" host_schema="" curl_auth=()
  host_defines "$store" "$broker" "$profile" "$prefix.$name" "$ready"
  [[ -z "$host_token" ]] || curl_auth=(-H @"$work/auth.header")

  echo "-- $store + $broker, $profile"
  start "$name" "$ready" "$host_bin" --config="config/host-$store-$broker.properties" \
    -Dhost.roles=api,worker,results -Dworker.serviceUrl="https://127.0.0.1:$stub_port" "${defines[@]}"
  local pid=$started_pid url task delivered_count
  url="https://127.0.0.1:$(port_of "$ready" https)/api/v1/equipment/cpe/ABC123"

  local post get
  post=$(measure_paired POST "$url" "$host_token")
  # A task to read: A holds it for 60 s, so GET answers 202 (still running).
  task=$(curl -sS --fail --cacert "$work/certs/ca.pem" "${curl_auth[@]}" \
           -H 'Content-Type: application/json' --data-binary @"$work/body.json" "$url" |
         sed -E 's/.*"taskId":"([^"]+)".*/\1/') || fail "$name: could not create a task to read"
  get=$(measure_paired GET "$url/task/$task" "$host_token")
  delivered_count=$(delivered "$(port_of "$ready" ops.http)" "$prefix.$name.tasks")
  if ((${delivered_count%/*} < ${delivered_count#*/})); then
    api_notes+=("$name: only $delivered_count of the tasks it created reached the tasks queue")
  fi
  record "$store+$broker" "$profile" POST "$delivered_count" "$post"
  record "$store+$broker" "$profile" GET - "$get"
  stop_process "$pid"
  drop_backends
}

section_api() {
  echo "-- api: the stub of A, answering after 60 s"
  start stub "$work/stub.ready" "$stub_bin" --config=config/stub-a.properties \
    -Dstub.https.port=0 -Dstub.tls.certificateFile="$work/certs/server.pem" \
    -Dstub.tls.privateKeyFile="$work/certs/server.key" -Dstub.readyFile="$work/stub.ready" \
    -Dlogging.loggers.root.level=warning
  local stub_pid=$started_pid
  stub_port=$(port_of "$work/stub.ready" https)
  echo "-- the ceiling, measured before each run of B"
  start ceiling "$work/ceiling.ready" "$ceiling_bin" --certificate "$work/certs/server.pem" \
    --private-key "$work/certs/server.key" --ready-file "$work/ceiling.ready"
  local ceiling_pid=$started_pid
  ceiling_url="https://127.0.0.1:$(port_of "$work/ceiling.ready" https)/api/v1/equipment/cpe/ABC123"
  for store in memory sqlite postgres; do
    for broker in rabbitmq proton; do
      for profile in dev prod; do
        [[ "$store+$broker/$profile" =~ $only ]] || continue
        bench_host "$store" "$broker" "$profile"
      done
    done
  done
  stop_process "$ceiling_pid"
  stop_process "$stub_pid"
}

print_api_table() {
  echo "API: POST and GET of each pairing and profile beside the ceiling"
  echo "(wrk: $connections connections, $threads threads, HTTPS keep-alive;" \
       "${seconds} s x $runs run(s), median run shown)"
  printf '%-17s %-7s %-6s %9s %8s %8s %9s %6s  %s\n' \
    configuration profile method rate/s "p50 ms" "p99 ms" "ceiling/s" ratio "tasks queued or finished"
  for row in "${api_rows[@]}"; do
    # shellcheck disable=SC2086  # a row is words
    printf '%-17s %-7s %-6s %9s %8s %8s %9s %6s  %s\n' $row
  done
  echo "ceiling: bare Poco HTTPS, fixed JSON, 128 threads, a run before each run of B (median rate);"
  echo "ratio: the median over the runs of B's rate / the ceiling's run just before it"
  for note in "${api_notes[@]}"; do echo "NOTE: $note"; done
}
