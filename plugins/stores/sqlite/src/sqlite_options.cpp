#include "sqlite_options.h"

#include <charconv>
#include <iterator>
#include <string_view>

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
};
const std::size_t kConfigKeyCount = std::size(kConfigKeys);

namespace {

std::string valueOf(const plugin::Settings& settings, std::string_view name) {
  auto it = settings.find(std::string(name));
  if (it != settings.end()) return it->second;
  for (const auto& key : kConfigKeys) {
    if (name == key.name) return key.defaultValue;
  }
  return {};
}

Status refused(std::string_view name, const std::string& value, std::string_view expected) {
  return Status::invalidArgument("store.sqlite." + std::string(name) + " is '" + value +
                                 "', expected " + std::string(expected));
}

// A whole decimal integer within [min, max]; nothing else.
bool parseInt(const std::string& text, int min, int max, int& out) {
  int value = 0;
  const char* end = text.data() + text.size();
  auto [next, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || next != end || value < min || value > max) {
    return false;
  }
  out = value;
  return true;
}

}  // namespace

Result<SqliteOptions> parseOptions(const plugin::Settings& settings) {
  SqliteOptions options;
  options.path = valueOf(settings, "path");
  if (options.path.empty()) return refused("path", options.path, "a file path");

  const std::string synchronous = valueOf(settings, "synchronous");
  if (synchronous == "FULL" || synchronous == "full") {
    options.synchronous = Synchronous::kFull;
  } else if (synchronous == "NORMAL" || synchronous == "normal") {
    options.synchronous = Synchronous::kNormal;
  } else {
    return refused("synchronous", synchronous, "FULL or NORMAL");
  }

  const std::string busyTimeout = valueOf(settings, "busyTimeoutMs");
  if (!parseInt(busyTimeout, 0, 3'600'000, options.busyTimeoutMs)) {
    return refused("busyTimeoutMs", busyTimeout, "milliseconds from 0 to 3600000");
  }
  const std::string connections = valueOf(settings, "connections");
  if (!parseInt(connections, 1, 64, options.connections)) {
    return refused("connections", connections, "a count from 1 to 64");
  }
  return options;
}

}  // namespace cpe::stores::sqlite
