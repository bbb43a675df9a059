#!/usr/bin/env bash
# Starts a local RabbitMQ (Debian's rabbitmq-server) on 127.0.0.1:5672 (AMQP
# 0-9-1 and, through its plugin, AMQP 1.0) and 127.0.0.1:5671 (the same over
# TLS, with the development certificates of deploy/local/server-tls.sh),
# unless one already answers on both, and declares the system's default
# queues from config/rabbitmq-definitions.json (durable quorum queues with
# their dead-letter route; the AMQP 1.0 plugin cannot declare them). A node
# started earlier without the TLS listener is restarted once with it.
# Works without systemd. Idempotent; fails if the broker is not ready in 90 s.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
definitions="$here/../../config/rabbitmq-definitions.json"
declare_queues() { rabbitmqctl -q import_definitions "$definitions" >/dev/null; }

port_open() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

if port_open 5672 && port_open 5671 && rabbitmqctl -q await_startup >/dev/null 2>&1; then
  declare_queues
  exit 0
fi
if port_open 5672; then
  echo "start-rabbitmq: restarting RabbitMQ to add its TLS listener on 5671"
  rabbitmqctl -q stop >/dev/null 2>&1 || true
  for _ in $(seq 1 60); do port_open 5672 || break; sleep 0.5; done
fi

# The TLS listener's settings go in a config file of this node alone (named
# by RABBITMQ_CONFIG_FILE, not /etc/rabbitmq/conf.d): the test suites start
# nodes of their own on other ports, which must not try to bind 5671 too.
key=/var/lib/rabbitmq/cpe-dev-tls/server.key
bash "$here/server-tls.sh" "$key" rabbitmq
config=/etc/cpe-dev-tls/rabbitmq.conf
cat >"$config" <<CONF
listeners.ssl.1 = 127.0.0.1:5671
ssl_options.cacertfile = /etc/cpe-dev-tls/ca.pem
ssl_options.certfile = /etc/cpe-dev-tls/server.pem
ssl_options.keyfile = $key
ssl_options.versions.1 = tlsv1.3
ssl_options.versions.2 = tlsv1.2
# A client certificate is checked when one is sent, not required.
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = false
CONF
chmod 644 "$config"

# Loopback only; the AMQP 1.0 plugin shares both ports.
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_CONFIG_FILE="$config"
rabbitmq-plugins enable --offline rabbitmq_amqp1_0 >/dev/null
rabbitmq-server -detached >/dev/null 2>&1 || true

# await_startup fails if called before the node has begun to boot, so wait
# for the port first.
for _ in $(seq 1 90); do
  port_open 5672 && break
  sleep 1
done
port_open 5672 || { echo "start-rabbitmq: port 5672 never opened" >&2; exit 1; }
rabbitmqctl -q await_startup --timeout 60 >/dev/null
port_open 5671 || { echo "start-rabbitmq: the TLS listener on 5671 did not open" >&2; exit 1; }
declare_queues
echo "start-rabbitmq: RabbitMQ is ready on 127.0.0.1:5672 and, over TLS, 127.0.0.1:5671"
