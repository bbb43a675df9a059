#pragma once

#include <cstddef>
#include <string>

#include "cpe/sdk/plugin.h"
#include "cpe/sdk/status.h"

namespace cpe::stores::postgres {

// The store's settings. Their names, defaults and docs are kConfigKeys.
struct PostgresOptions {
  std::string connection;  // libpq conninfo; holds a password: never logged or quoted
  int poolSize = 0;
  int maxWriteBatch = 0;  // writes that may share one commit
  int acquireTimeoutMs = 0;
  std::string schema;  // a validated identifier, [a-z_][a-z0-9_]*
  int statementTimeoutMs = 0;
  int claimLeaseMs = 0;
};

// The configuration keys (below store.postgres), each with its default.
extern const plugin::ConfigKey kConfigKeys[];
extern const std::size_t kConfigKeyCount;

// The options from a plugin's Settings; a key missing from `settings` takes
// its default. kInvalidArgument names the key and, except for `connection`,
// the value it refused.
Result<PostgresOptions> parseOptions(const plugin::Settings& settings);

}  // namespace cpe::stores::postgres
