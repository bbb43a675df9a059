#pragma once

#include <Poco/Util/AbstractConfiguration.h>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace cpe::config {

// A configuration value that is malformed, out of range or unknown. The
// message names the key and what is expected of it.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Typed, range-checked reads of configuration keys, each with its default.
// Remembers every key it was asked for, so that a misspelt key in a file is
// refused rather than silently ignored (refuseUnknownKeys).
// Not thread-safe; use it once at start-up to fill an options struct.
class ConfigReader {
 public:
  explicit ConfigReader(const Poco::Util::AbstractConfiguration& config) : config_(config) {}

  std::string getString(const std::string& key, const std::string& fallback);
  int getInt(const std::string& key, int fallback, int min, int max);
  double getDouble(const std::string& key, double fallback, double min, double max);
  bool getBool(const std::string& key, bool fallback);
  // A comma-separated list; blanks around items are trimmed, empty items dropped.
  std::vector<std::string> getList(const std::string& key);
  // The names one level below `prefix` ("api.auth.tokens" -> "portal", ...),
  // for settings keyed by a name the operator chose.
  std::vector<std::string> childNames(const std::string& prefix) const;

  // Throws ConfigError naming each key below `prefix` (e.g. "stub") that none
  // of the getters above asked for.
  void refuseUnknownKeys(const std::string& prefix) const;

 private:
  void collectKeys(const std::string& prefix, std::vector<std::string>& out) const;

  const Poco::Util::AbstractConfiguration& config_;
  std::set<std::string> known_;
};

}  // namespace cpe::config
