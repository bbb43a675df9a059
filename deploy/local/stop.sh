#!/usr/bin/env bash
# Stops what deploy/local/run.sh started (SIGTERM, then SIGKILL after 15 s).
set -euo pipefail
cd "$(dirname "$0")/../.."
shopt -s nullglob
for pid_file in .run/*.pid; do
  pid=$(cat "$pid_file")
  name=$(basename "$pid_file" .pid)
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "stopped $name (pid $pid)"
  fi
  rm -f "$pid_file"
done
