#!/usr/bin/env bash
# Stops the RabbitMQ nodes the test suite started for itself
# (tests/support/own_rabbitmq.cpp: /tmp/cpe-rabbitmq-*/node.pid) and removes
# their files. A test removes its node as it ends, but one that CTest kills on
# its timeout never runs its destructor and leaves the node running.
# alarms.sh and cluster.sh call it after a failed run; run it by hand only
# when no test suite is running, since it cannot tell whose node is whose.
#   bash deploy/ci/stop-test-nodes.sh
set -uo pipefail
stopped=0
for dir in /tmp/cpe-rabbitmq-*; do
  [[ -d $dir ]] || continue
  pid="$(cat "$dir/node.pid" 2>/dev/null)"
  if [[ $pid =~ ^[0-9]+$ ]] && kill -TERM "$pid" 2>/dev/null; then
    # SIGTERM stops a node cleanly; one that has not exited in 30 s is killed.
    for _ in $(seq 300); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    stopped=$((stopped + 1))
  fi
  rm -rf "$dir"
done
echo "stop-test-nodes: $stopped node(s) of the test suite were left running and are stopped"
