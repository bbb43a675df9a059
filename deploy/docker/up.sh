#!/usr/bin/env bash
# Brings the compose stack up for a pairing and returns once every host is
# ready (GET /readyz answers 200 in each host container: store and broker
# reachable), or fails after CPE_READY_TIMEOUT seconds (default 180) with
# the logs of what is not ready. Images must exist (deploy/containers/
# build-images.sh, or `docker compose build`).
#   bash deploy/docker/up.sh [STORE [BROKER]]       (default: sqlite rabbitmq)
# Then B answers on https://127.0.0.1:8444 (and :8445 with postgres), with
# the CA in deploy/docker/.secrets/tls/ca.pem.
set -euo pipefail
source "$(dirname "$0")/../containers/compose.sh"
store="${1:-sqlite}" broker="${2:-rabbitmq}"
timeout="${CPE_READY_TIMEOUT:-180}"

bash "$CPE_COMPOSE_DIR/prepare.sh" "$store" "$broker"
# shellcheck disable=SC2046  # the file options are words
compose $(compose_files "$store") up -d >/dev/null 2>&1

hosts=(api worker-1 worker-2)
[[ "$store" == postgres ]] && hosts+=(api-2)
ready() {  # service
  engine exec "$(container_of "$1")" curl -fsS -o /dev/null http://127.0.0.1:9464/readyz 2>/dev/null
}
deadline=$((SECONDS + timeout))
for host in "${hosts[@]}"; do
  until ready "$host"; do
    if ((SECONDS > deadline)); then
      echo "up: $host not ready after $timeout s" >&2
      for service in rabbitmq postgres stub-a "${hosts[@]}"; do
        echo "--- $service" >&2
        engine logs --tail 20 "$(container_of "$service")" >&2 2>&1 || true
      done
      exit 1
    fi
    sleep 1
  done
done
echo "up: $store + $broker ready in $SECONDS s: B on https://127.0.0.1:8444$([[ "$store" == postgres ]] && echo " and :8445")"
