#!/usr/bin/env bash
# Sets up and runs the whole system on a fresh Debian 12 machine, as root:
# installs the dependencies, builds, makes development certificates, starts
# RabbitMQ, service A's stub (60 s per answer) and cpe-host (SQLite store,
# RabbitMQ broker, config/host-sqlite-rabbitmq.properties), then posts a
# sample task with cpe-ctl and follows it to completion. The services keep
# running.
#   bash deploy/local/run.sh          stop with: bash deploy/local/stop.sh
# Logs, certificates and the database go to .run/. CPE_SKIP_INSTALL=1 skips
# apt-get; CPE_NO_DEMO=1 skips the sample task.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$(pwd)"
run_dir="$root/.run"

[[ "${CPE_SKIP_INSTALL:-0}" == 1 ]] || bash deploy/local/install-deps.sh

echo "== building (build/)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCPE_BUILD_TESTS=OFF >/dev/null
cmake --build build --parallel "$(nproc)"

mkdir -p "$run_dir"
config/gen-dev-certs.sh "$run_dir/certs" >/dev/null
bash deploy/local/stop.sh >/dev/null 2>&1 || true
bash deploy/local/start-rabbitmq.sh

# start NAME READY_FILE COMMAND...: starts a service in the background and
# waits for its ready file.
start() {
  local name="$1" ready="$2"; shift 2
  rm -f "$ready"
  nohup "$@" >"$run_dir/$name.log" 2>&1 &
  echo $! >"$run_dir/$name.pid"
  for _ in $(seq 1 300); do
    [[ -s "$ready" ]] && return 0
    kill -0 "$(cat "$run_dir/$name.pid")" 2>/dev/null || break
    sleep 0.1
  done
  echo "$name did not start; its log:" >&2
  cat "$run_dir/$name.log" >&2
  exit 1
}
port_of() { sed -E "s/.*\"$2\":([0-9]+).*/\\1/" "$1"; }

echo "== starting cpe-stub-a (service A, 60 s per answer)"
start stub-a "$run_dir/stub-a.ready" build/stub_a/cpe-stub-a \
  --config=config/stub-a.properties "-Dstub.readyFile=$run_dir/stub-a.ready"
echo "== starting cpe-host (service B + worker + results)"
start host "$run_dir/host.ready" build/host/cpe-host \
  --config=config/host-sqlite-rabbitmq.properties "-Dhost.readyFile=$run_dir/host.ready"

a_port=$(port_of "$run_dir/stub-a.ready" https)
b_port=$(port_of "$run_dir/host.ready" https)
ca="$run_dir/certs/ca.pem"
body='{"timeoutInSeconds":14,"parameters":{"username":"admin","password":"admin","vlan":534,"interfaces":[1,2,3,4]}}'
# cpe-ctl, the command-line client, reads where B is and which CA to trust
# from these; the sample device password comes from a variable, never from
# the command line (which ps shows to every user).
export CPE_URL="https://localhost:$b_port" CPE_CA_FILE="$ca"
ctl=build/host/cpe-ctl

if [[ "${CPE_NO_DEMO:-0}" != 1 ]]; then
  echo "== posting a sample task for device ABC123 and following it (cpe-ctl post ... --wait)"
  status=0
  CPE_SAMPLE_PASSWORD='admin' "$ctl" post ABC123 --username admin \
    --password-env CPE_SAMPLE_PASSWORD --vlan 534 --interface 1,2,3,4 --timeout 14 --wait ||
    status=$?
  if [[ "$status" != 0 ]]; then
    echo "the sample task did not complete (cpe-ctl exit $status; see README, \"cpe-ctl\")" >&2
    exit "$status"
  fi
fi

cat <<TEXT

Running (logs in $run_dir/):
  service A stub  https://localhost:$a_port   (pid $(cat "$run_dir/stub-a.pid"))
  service B       https://localhost:$b_port   (pid $(cat "$run_dir/host.pid"))
  RabbitMQ        127.0.0.1:5672

Create a task and follow it to its end with cpe-ctl (README, "cpe-ctl"):
  export CPE_URL=https://localhost:$b_port CPE_CA_FILE=$ca
  $ctl post ABC123 --username admin --password-file FILE --interface 1,2 --timeout 14 --wait
  $ctl status ABC123 <taskId>
  $ctl history ABC123

Or with curl: create a task, then ask for its status:
  curl --cacert $ca -X POST https://localhost:$b_port/api/v1/equipment/cpe/ABC123 \\
    -H 'Content-Type: application/json' -d '$body'
  curl --cacert $ca https://localhost:$b_port/api/v1/equipment/cpe/ABC123/task/<taskId>

Stop: bash deploy/local/stop.sh        (add --rabbitmq to stop RabbitMQ too)
TEXT
