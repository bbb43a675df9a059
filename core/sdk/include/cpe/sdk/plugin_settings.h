#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "cpe/sdk/plugin.h"
#include "cpe/sdk/status.h"

namespace cpe::plugin {

// Typed reads of a plugin's Settings inside its factory. A key missing from
// the settings falls back to the default the plugin declared for it, so a
// factory called directly (not through PluginLoader) behaves the same.
// Errors are kInvalidArgument and name the full key, e.g.
// "store.sqlite.connections is '0', expected a whole number from 1 to 64".
class SettingsReader {
 public:
  // `prefix` is the plugin's key prefix, e.g. "store.sqlite".
  SettingsReader(const Settings& settings, const ConfigKey* keys, std::size_t keyCount,
                 std::string prefix)
      : settings_(settings), keys_(keys), keyCount_(keyCount), prefix_(std::move(prefix)) {}

  std::string value(std::string_view name) const;

  // A whole decimal number within [min, max], nothing else.
  Status readInt(std::string_view name, int min, int max, int& out) const;

  // A switch: true, yes, on or 1, false, no, off or 0 (any case), as the
  // host's own settings are read (Poco's getBool).
  Status readBool(std::string_view name, bool& out) const;

  // A file's path: empty (none), or a file this process can read now, so a
  // missing certificate stops the plugin at start, not at its first connect.
  Status readFile(std::string_view name, std::string& out) const;

  // The error for a value that is not what `expected` describes.
  Status refused(std::string_view name, const std::string& value, std::string_view expected) const;

 private:
  const Settings& settings_;
  const ConfigKey* keys_;
  std::size_t keyCount_;
  std::string prefix_;
};

// The entries of a comma-separated value ("a, b,c"), each without the blanks
// around it; kInvalidArgument "an entry is empty" for an empty one (",," or a
// comma at either end). The views point into `text`.
Result<std::vector<std::string_view>> splitList(std::string_view text);

}  // namespace cpe::plugin
