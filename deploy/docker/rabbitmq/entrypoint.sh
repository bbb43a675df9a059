#!/bin/sh
# Runs RabbitMQ in the foreground and, once it is up, makes the user
# $RABBITMQ_CPE_USER with password $RABBITMQ_CPE_PASSWORD (from a file when
# $RABBITMQ_CPE_PASSWORD_FILE is set), removes the guest user and declares
# the system's queues. SIGTERM stops the node cleanly.
set -eu
user="${RABBITMQ_CPE_USER:-cpe}"
if [ -n "${RABBITMQ_CPE_PASSWORD_FILE:-}" ]; then
  RABBITMQ_CPE_PASSWORD="$(cat "$RABBITMQ_CPE_PASSWORD_FILE")"
fi
: "${RABBITMQ_CPE_PASSWORD:?set RABBITMQ_CPE_PASSWORD or RABBITMQ_CPE_PASSWORD_FILE}"

rabbitmq-server &
server=$!
trap 'rabbitmqctl -q stop >/dev/null 2>&1; wait "$server"; exit 0' TERM INT

# await_startup fails if the node has not begun to boot: retry it.
until rabbitmqctl -q await_startup --timeout 60 >/dev/null 2>&1; do
  kill -0 "$server" 2>/dev/null || exit 1
  sleep 1
done
if rabbitmqctl -q list_users | grep -q "^$user\b"; then
  printf '%s' "$RABBITMQ_CPE_PASSWORD" | rabbitmqctl -q change_password "$user" >/dev/null
else
  printf '%s' "$RABBITMQ_CPE_PASSWORD" | rabbitmqctl -q add_user "$user" >/dev/null
  rabbitmqctl -q set_user_tags "$user" monitoring >/dev/null
fi
rabbitmqctl -q set_permissions -p / "$user" '.*' '.*' '.*' >/dev/null
rabbitmqctl -q delete_user guest >/dev/null 2>&1 || true
rabbitmqctl -q import_definitions /etc/rabbitmq/cpe-definitions.json >/dev/null
echo "cpe-rabbitmq: ready, user $user, queues declared"
wait "$server"
