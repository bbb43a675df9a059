#!/usr/bin/env bash
# The long RabbitMQ resource-alarm scenarios (tests/fault/fault_alarm_test.cpp),
# beside the short memory alarm .ci/run holds: memory and disk alarms, each
# held 70 s while batches of 500 tasks are posted all along (10,000 to 17,000
# POSTs here), the host SIGTERMed and started again under it, over both
# broker plugins. Each runs on a RabbitMQ node of its own. As root, after
# deploy/local/install-deps.sh; about 15 minutes.
#   bash deploy/ci/alarms.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build-alarms}"
bash deploy/local/start-rabbitmq.sh >/dev/null
bash deploy/local/start-postgres.sh >/dev/null
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --parallel "$(nproc)" --target cpe_fault_tests cpe-host cpe-stub-a \
  cpe_store_sqlite cpe_broker_rabbitmq cpe_broker_proton >/dev/null
mkdir -p build-logs
status=0
# Through CTest, which first makes the test certificates (its fixture).
CPE_EXTENDED=1 CPE_ALARM_HOLD_SECONDS=70 CPE_ALARM_TASKS=1000 \
  ctest --test-dir "$build" -R 'Alarms/BrokerAlarm' -V >build-logs/alarms.log 2>&1 || status=$?
grep -oE 'FAULT-TABLE.*|(memory|disk) alarm held [0-9]+ s over [0-9]+ POSTs|[0-9]+% tests passed.*' \
  build-logs/alarms.log || true
if [[ $status != 0 ]]; then
  echo "alarms: failed; the whole run is in build-logs/alarms.log"
  # A test killed on CTest's timeout leaves its own node running.
  bash deploy/ci/stop-test-nodes.sh
fi
exit "$status"
