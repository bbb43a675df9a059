#pragma once

#include <cstddef>
#include <string>

#include "cpe/sdk/plugin.h"
#include "cpe/sdk/status.h"

namespace cpe::stores::sqlite {

// What SQLite's `synchronous` pragma is set to on the write connection. In
// WAL mode both survive a process crash; only kFull keeps the last commits
// through a power loss, at about a sixth of the single-row write rate.
enum class Synchronous { kFull, kNormal };

// The store's settings. Their names, defaults and docs are kConfigKeys.
struct SqliteOptions {
  std::string path;
  Synchronous synchronous = Synchronous::kFull;
  int busyTimeoutMs = 0;
  int connections = 0;  // read connections; writes use one more
  int maxWriteBatch = 0;  // writes that may share one commit
};

// The configuration keys (below store.sqlite), each with its default.
extern const plugin::ConfigKey kConfigKeys[];
extern const std::size_t kConfigKeyCount;

// The options from a plugin's Settings; a key missing from `settings` takes
// its default. kInvalidArgument names the key and the value it refused.
Result<SqliteOptions> parseOptions(const plugin::Settings& settings);

}  // namespace cpe::stores::sqlite
