#!/usr/bin/env bash
# Starts a local RabbitMQ (Debian's rabbitmq-server) on 127.0.0.1:5672 with
# the AMQP 1.0 plugin, unless one already answers, and declares the system's
# default queues from config/rabbitmq-definitions.json (durable quorum queues
# with their dead-letter route; the AMQP 1.0 plugin cannot declare them).
# Works without systemd. Idempotent; fails if the broker is not ready in 90 s.
set -euo pipefail
definitions="$(cd "$(dirname "$0")/../.." && pwd)/config/rabbitmq-definitions.json"
declare_queues() { rabbitmqctl -q import_definitions "$definitions" >/dev/null; }

port_open() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }

if port_open && rabbitmqctl -q await_startup >/dev/null 2>&1; then
  declare_queues
  exit 0
fi

# Loopback only; the AMQP 1.0 plugin shares port 5672.
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
rabbitmq-plugins enable --offline rabbitmq_amqp1_0 >/dev/null
rabbitmq-server -detached >/dev/null 2>&1 || true

# await_startup fails if called before the node has begun to boot, so wait
# for the port first.
for _ in $(seq 1 90); do
  port_open && break
  sleep 1
done
port_open || { echo "start-rabbitmq: port 5672 never opened" >&2; exit 1; }
rabbitmqctl -q await_startup --timeout 60 >/dev/null
declare_queues
echo "start-rabbitmq: RabbitMQ is ready on 127.0.0.1:5672"
