#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "broker_addresses.h"
#include "cpe/sdk/broker.h"
#include "cpe/sdk/plugin.h"
#include "cpe/sdk/status.h"

namespace cpe::brokers::rabbitmq {

// The plugin's settings. Their names, defaults and docs are kConfigKeys.
struct RabbitOptions {
  // The nodes to connect to, in the order tried: `addresses` when set, else
  // `host`:`port` alone.
  std::vector<BrokerAddress> addresses;
  std::string vhost;
  std::string username;
  std::string password;
  std::string tasksQueue;
  std::string resultsQueue;
  std::string deadLetterQueue;
  std::string queueType;  // "quorum" or "classic", as x-queue-type
  int heartbeatSeconds = 0;
  int maxInFlight = 0;
  int reconnectInitialMs = 0;
  int reconnectMaxMs = 0;
  int connectTimeoutMs = 0;
  int confirmTimeoutMs = 0;
  // TLS to the broker (AMQPS), with the certificate and host name checked
  // against caFile (empty: the system's CA store) unless verifyPeer is off.
  bool tls = false;
  std::string caFile;
  bool verifyPeer = true;
  std::string clientCertificateFile;  // mutual TLS: both or neither
  std::string clientKeyFile;

  const std::string& queueName(QueueRole role) const {
    return role == QueueRole::kTasks ? tasksQueue : resultsQueue;
  }
  // "host:port" of each node, comma-separated, for logs.
  std::string addressesText() const;
};

// The configuration keys (below broker.rabbitmq), each with its default.
extern const plugin::ConfigKey kConfigKeys[];
extern const std::size_t kConfigKeyCount;

// The options from a plugin's Settings; a key missing from `settings` takes
// its default. kInvalidArgument names the key and the value it refused.
Result<RabbitOptions> parseOptions(const plugin::Settings& settings);

}  // namespace cpe::brokers::rabbitmq
