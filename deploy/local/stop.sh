#!/usr/bin/env bash
# Stops what deploy/local/run.sh started: cpe-host first (it hands unfinished
# work back to the broker), then the stub; with --rabbitmq, RabbitMQ too.
# SIGTERM, then SIGKILL after 30 s.
set -euo pipefail
cd "$(dirname "$0")/../.."

stop_one() {
  local pid_file=".run/$1.pid"
  [[ -f "$pid_file" ]] || return 0
  local pid
  pid=$(cat "$pid_file")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "stopped $1 (pid $pid)"
  fi
  rm -f "$pid_file"
}

stop_one host
stop_one stub-a
if [[ "${1:-}" == "--rabbitmq" ]]; then
  rabbitmqctl -q stop >/dev/null 2>&1 && echo "stopped RabbitMQ" || true
fi
