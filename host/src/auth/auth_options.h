#pragma once

#include <string>
#include <vector>

#include "auth/api_tokens.h"
#include "cpe/server/config/config_reader.h"

namespace cpe::host::auth {

// Who may call B's API (api.auth.*; README, Security).
struct AuthOptions {
  bool enabled = true;  // false: anyone who reaches the port may call (development only)
  std::vector<ApiToken> tokens;
  // GET /readyz and /metrics: on the API port they need a token with the
  // scope ops:read unless opsOpenOnApiPort; on the ops port they are open
  // unless opsPortNeedsToken.
  bool opsOpenOnApiPort = false;
  bool opsPortNeedsToken = false;
  // Each caller's token bucket: requests per second (0: no limit) and how
  // many may come at once.
  double requestsPerSecond = 0;
  double burst = 0;
};

// Reads api.auth.* (and, in a host that checks callers, the file
// api.auth.tokensFile names, whose keys are those under api.auth.tokens
// without that prefix) and ops.endpointsNeedToken. Throws config::ConfigError naming the key, or when
// authentication is on, the host serves the API (`servesApi`) or its ops port
// needs tokens, and no caller is configured.
AuthOptions readAuthOptions(config::ConfigReader& reader, bool servesApi);

}  // namespace cpe::host::auth
