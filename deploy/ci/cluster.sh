#!/usr/bin/env bash
# The RabbitMQ cluster failover scenario (tests/fault/fault_cluster_test.cpp):
# a three-node cluster of the test's own on this machine (own ports and node
# names, quorum queues with a replica on each node); a host given all three
# addresses loses the node it is connected to under load, first stopped
# cleanly, then (that node back) the next one SIGKILLed; every accepted task
# is accounted for, over each broker plugin. As root, after
# deploy/local/install-deps.sh; a few minutes per plugin.
#   bash deploy/ci/cluster.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build-failover}"
bash deploy/local/start-rabbitmq.sh >/dev/null
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --parallel "$(nproc)" --target cpe_fault_cluster_tests cpe-host cpe-stub-a \
  cpe_store_sqlite cpe_broker_rabbitmq cpe_broker_proton >/dev/null
mkdir -p build-logs
status=0
# Through CTest, which first makes the test certificates (its fixture).
CPE_EXTENDED=1 ctest --test-dir "$build" -R 'Brokers/ClusterFailover' -V \
  >build-logs/cluster.log 2>&1 || status=$?
grep -oE 'FAULT-TABLE.*|cluster failover test took [0-9]+ s.*|[0-9]+% tests passed.*' \
  build-logs/cluster.log || true
if [[ $status != 0 ]]; then
  echo "cluster: failed; the whole run is in build-logs/cluster.log"
  # A test killed on CTest's timeout leaves its own node running.
  bash deploy/ci/stop-test-nodes.sh
fi
exit "$status"
