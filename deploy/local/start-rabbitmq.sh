#!/usr/bin/env bash
# Starts a local RabbitMQ (Debian's rabbitmq-server) on 127.0.0.1:5672 with
# the AMQP 1.0 plugin, unless one already answers. Works without systemd.
# Idempotent; exits non-zero if the broker is not ready within 90 s.
set -euo pipefail

port_open() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }

if port_open && rabbitmqctl -q await_startup >/dev/null 2>&1; then
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
echo "start-rabbitmq: RabbitMQ is ready on 127.0.0.1:5672"
