#!/usr/bin/env bash
# Sets up and runs the system on a fresh Debian 12 machine: installs the
# dependencies, builds, makes development certificates, and starts service
# A's stub (60 s delay) over HTTPS on 127.0.0.1:8443 in the background.
#   bash deploy/local/run.sh          stop with: bash deploy/local/stop.sh
# Logs and state go to .run/. Set CPE_SKIP_INSTALL=1 to skip apt-get.
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

echo "== starting cpe-stub-a"
rm -f "$run_dir/stub-a.ready"
nohup build/stub_a/cpe-stub-a --config=config/stub-a.properties \
  "-Dstub.readyFile=$run_dir/stub-a.ready" >"$run_dir/stub-a.log" 2>&1 &
echo $! >"$run_dir/stub-a.pid"
for _ in $(seq 1 100); do
  [[ -s "$run_dir/stub-a.ready" ]] && break
  kill -0 "$(cat "$run_dir/stub-a.pid")" 2>/dev/null || { cat "$run_dir/stub-a.log"; exit 1; }
  sleep 0.1
done
[[ -s "$run_dir/stub-a.ready" ]] || { echo "stub did not start"; cat "$run_dir/stub-a.log"; exit 1; }
port=$(sed -E 's/.*"https":([0-9]+).*/\1/' "$run_dir/stub-a.ready")

cat <<TEXT

cpe-stub-a is serving HTTPS on https://localhost:$port (pid $(cat "$run_dir/stub-a.pid")).
It answers each valid request after 60 s. Try:

  curl --cacert $run_dir/certs/ca.pem -X POST \\
    https://localhost:$port/api/v1/equipment/cpe/ABC123 \\
    -H 'Content-Type: application/json' \\
    -d '{"timeoutInSeconds":14,"parameters":{"username":"admin","password":"admin","vlan":534,"interfaces":[1,2,3,4]}}'

  curl --cacert $run_dir/certs/ca.pem https://localhost:$port/stats

Log: $run_dir/stub-a.log    Stop: bash deploy/local/stop.sh
TEXT
