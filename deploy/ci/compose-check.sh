#!/usr/bin/env bash
# One compose run of a pairing, end to end: brings the stack up (stub of A
# answering in 2 s), posts a task for a known, an unknown and a failing
# device and sees each reach its terminal answer; then posts 20 tasks, kills
# (SIGKILL) a worker container while A holds their calls, and sees every one
# complete anyway; takes the stack down. Prints one summary line.
#   bash deploy/ci/compose-check.sh STORE BROKER
# Images must exist (deploy/containers/build-images.sh).
set -euo pipefail
source "$(dirname "$0")/../containers/compose.sh"
store="$1" broker="$2"
started=$SECONDS
ca="$CPE_COMPOSE_DIR/.secrets/tls/ca.pem"
api=https://127.0.0.1:8444
second_api="$api"
[[ "$store" == postgres ]] && second_api=https://127.0.0.1:8445

# The token prepare.sh made, as a header file: curl reads it with -H @FILE,
# so the token is never on a command line.
auth_header="$(umask 077; mktemp)"
trap 'rm -f "$auth_header"' EXIT

fail() {
  echo "compose-check $store+$broker: FAILED: $*" >&2
  for service in api worker-1 worker-2 stub-a; do
    echo "--- $service" >&2
    engine logs --tail 30 "$(container_of "$service")" >&2 2>&1 || true
  done
  bash "$CPE_COMPOSE_DIR/down.sh" >/dev/null 2>&1 || true
  exit 1
}

post() {  # device -> task id
  local body='{"timeoutInSeconds":14,"parameters":{"username":"admin","password":"compose-check","interfaces":[1]}}'
  curl -fsS --cacert "$ca" -X POST "$api/api/v1/equipment/cpe/$1" -H @"$auth_header" \
    -H 'Content-Type: application/json' -d "$body" | sed -n 's/.*"taskId":"\([^"]*\)".*/\1/p'
}

# Polls the task on the second API host (the first one with one API host)
# until it is terminal; prints its answer.
await_terminal() {  # device task
  local deadline=$((SECONDS + 120)) answer
  while ((SECONDS < deadline)); do
    answer="$(curl -sS --cacert "$ca" -H @"$auth_header" "$second_api/api/v1/equipment/cpe/$1/task/$2")"
    [[ "$answer" == *'"code":204'* ]] || { echo "$answer"; return 0; }
    sleep 0.5
  done
  echo "$answer"
}

CPE_STUB_DELAY_SECONDS=2 bash "$CPE_COMPOSE_DIR/up.sh" "$store" "$broker" || fail "the stack did not come up"
printf 'Authorization: Bearer %s\n' "$(cat "$CPE_COMPOSE_DIR/.secrets/api-token")" > "$auth_header"

# Authentication is on: no token, no task.
refused="$(curl -sS --cacert "$ca" -o /dev/null -w '%{http_code}' -X POST "$api/api/v1/equipment/cpe/ABC123" \
  -H 'Content-Type: application/json' -d '{}')"
[[ "$refused" == 401 ]] || fail "a POST without a token was answered $refused, expected 401"

declare -A expected=(
  [ABC123]='{"code":200,"message":"Completed"}'
  [NOPE99]='{"code":404,"message":"The requested equipment is not found"}'
  [FAIL01]='{"code":500,"message":"Internal provisioning exception"}'
)
for device in "${!expected[@]}"; do
  id="$(post "$device")" || fail "POST for $device refused"
  [[ -n "$id" ]] || fail "POST for $device gave no task id"
  answer="$(await_terminal "$device" "$id")"
  [[ "$answer" == "${expected[$device]}" ]] || fail "$device ended '$answer', expected '${expected[$device]}'"
done

ids=()
for _ in $(seq 1 20); do ids+=("$(post GOOD01)"); done
# Killed while it holds tasks whose calls A has not answered yet.
worker="$(container_of worker-1)"
in_flight() {
  engine exec "$worker" curl -fsS http://127.0.0.1:9464/metrics |
    sed -n 's/^cpe_worker_tasks_in_flight \([0-9]*\).*/\1/p'
}
deadline=$((SECONDS + 30))
until (( $(in_flight) > 0 )); do ((SECONDS < deadline)) || fail "worker-1 never held a task"; sleep 0.1; done
held_by_killed="$(in_flight)"
engine kill --signal KILL "$worker" >/dev/null
completed=0
for id in "${ids[@]}"; do
  answer="$(await_terminal GOOD01 "$id")"
  [[ "$answer" == '{"code":200,"message":"Completed"}' ]] || fail "task $id ended '$answer' after the worker was killed"
  completed=$((completed + 1))
done

bash "$CPE_COMPOSE_DIR/down.sh" >/dev/null
echo "compose-check $store+$broker: ok: 3 devices to their terminal states, $completed of 20 tasks completed with a worker killed holding $held_by_killed, $((SECONDS - started)) s"
