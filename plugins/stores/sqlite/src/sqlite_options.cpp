#include "sqlite_options.h"

#include <charconv>
#include <iterator>
#include <string_view>

#include "cpe/sdk/plugin_settings.h"

namespace cpe::stores::sqlite {

const plugin::ConfigKey kConfigKeys[] = {
    {"path", "cpe-tasks.db",
     "The database file, created with its schema on first open; relative paths are relative "
     "to the working directory. Its -wal and -shm companions live beside it."},
    {"synchronous", "FULL",
     "FULL: a commit survives power loss. NORMAL: it survives a process crash but the last "
     "commits may be lost on power loss, for several times the single-row write rate."},
    {"busyTimeoutMs", "5000",
     "How long a statement waits for a lock held by another connection or process before the "
     "store answers UNAVAILABLE."},
    {"connections", "4",
     "Read connections (get, unpublished, ping) in the pool; WAL lets them read while the one "
     "write connection writes. 1 to 64."},
    {"maxWriteBatch", "256",
     "Writes (new tasks, results, publish marks) that queue while a commit is on its way to "
     "disk share the next commit, and its fsync, up to this many; each still answers only once "
     "its own commit is durable. 1 commits every write alone. 1 to 10000."},
};
const std::size_t kConfigKeyCount = std::size(kConfigKeys);

Result<SqliteOptions> parseOptions(const plugin::Settings& settings) {
  const plugin::SettingsReader reader(settings, kConfigKeys, kConfigKeyCount, "store.sqlite");
  SqliteOptions options;
  options.path = reader.value("path");
  if (options.path.empty()) return reader.refused("path", options.path, "a file path");

  const std::string synchronous = reader.value("synchronous");
  if (synchronous == "FULL" || synchronous == "full") {
    options.synchronous = Synchronous::kFull;
  } else if (synchronous == "NORMAL" || synchronous == "normal") {
    options.synchronous = Synchronous::kNormal;
  } else {
    return reader.refused("synchronous", synchronous, "FULL or NORMAL");
  }

  if (Status read = reader.readInt("busyTimeoutMs", 0, 3'600'000, options.busyTimeoutMs);
      !read.isOk()) {
    return read;
  }
  if (Status read = reader.readInt("connections", 1, 64, options.connections); !read.isOk()) {
    return read;
  }
  if (Status read = reader.readInt("maxWriteBatch", 1, 10'000, options.maxWriteBatch);
      !read.isOk()) {
    return read;
  }
  return options;
}

}  // namespace cpe::stores::sqlite
