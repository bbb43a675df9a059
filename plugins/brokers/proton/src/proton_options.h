#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "cpe/sdk/broker.h"
#include "cpe/sdk/plugin.h"
#include "cpe/sdk/status.h"

namespace cpe::brokers::proton_amqp {

// The plugin's settings. Their names, defaults and docs are kConfigKeys.
struct ProtonOptions {
  // The servers to connect to, in the order tried: `urls` when set, else
  // `url` alone.
  std::vector<std::string> urls;
  std::string username;
  std::string password;
  std::string tasksAddress;
  std::string resultsAddress;
  std::string deadLetterAddress;
  int reconnectInitialMs = 0;
  int reconnectMaxMs = 0;
  int idleTimeoutMs = 0;
  int maxInFlight = 0;  // per sender, as the two below
  int maxWaitingPublishes = 0;
  int maxWaitingSeconds = 0;
  int blockedAfterSeconds = 0;
  // TLS, for amqps:// URLs: the server's certificate and host name checked
  // against caFile (empty: the system's CA store) unless verifyPeer is off.
  std::string caFile;
  bool verifyPeer = true;
  std::string clientCertificateFile;  // mutual TLS: both or neither
  std::string clientKeyFile;

  const std::string& address(QueueRole role) const {
    return role == QueueRole::kTasks ? tasksAddress : resultsAddress;
  }
};

// The configuration keys (below broker.proton), each with its default.
extern const plugin::ConfigKey kConfigKeys[];
extern const std::size_t kConfigKeyCount;

// The options from a plugin's Settings; a key missing from `settings` takes
// its default. kInvalidArgument names the key and the value it refused.
Result<ProtonOptions> parseOptions(const plugin::Settings& settings);

}  // namespace cpe::brokers::proton_amqp
