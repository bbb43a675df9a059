#pragma once

#include <Poco/Util/AbstractConfiguration.h>

#include <memory>
#include <string>

#include "cpe/sdk/plugin.h"
#include "cpe/sdk/status.h"

namespace cpe::plugin {

// Loads plugins the one way the host and the contract suites share.
//
// A plugin is named in config either by name, resolved as
// <pluginDir>/libcpe_<kind>_<name>.so, or by a path (anything with a '/').
// Libraries stay loaded until the process ends: objects they created may
// live that long, and unloading a C++ library is never safe.
class PluginLoader {
 public:
  explicit PluginLoader(std::string pluginDir) : pluginDir_(std::move(pluginDir)) {}

  // Loads and checks a plugin: the file, the entry point, ABI version,
  // checkCompatible(), kind and factory. The error names the plugin, the
  // file and both sides of any mismatch.
  Result<const Descriptor*> load(Kind kind, const std::string& nameOrPath) const;

  // The plugin's settings from the keys below `prefix` (e.g.
  // "store.sqlite"), with its defaults for absent keys. Refuses keys the
  // plugin does not declare, so a misspelt key is never silently ignored.
  static Result<Settings> settingsFor(const Descriptor& plugin,
                                      const Poco::Util::AbstractConfiguration& config,
                                      const std::string& prefix);

  // load + settingsFor(prefix "<kind>.<name>") + the factory.
  Result<std::unique_ptr<TaskStore>> createStore(
      const std::string& nameOrPath, const Poco::Util::AbstractConfiguration& config) const;
  Result<std::unique_ptr<Broker>> createBroker(
      const std::string& nameOrPath, const Poco::Util::AbstractConfiguration& config) const;

  std::string pathFor(Kind kind, const std::string& nameOrPath) const;

 private:
  std::string pluginDir_;
};

// Whether a plugin built as `plugin` can run in a host built as `host`:
// only what breaks is refused (another C++ standard library ABI, other
// sanitizers), with a message naming both sides. Compiler, its version and
// assertions may differ: a release-built plugin runs in a debug host.
Status checkCompatible(const BuildTraits& plugin, const BuildTraits& host);

// "SDK 6.0.0, gcc 12.2.0, libstdc++ cxx11, assertions off, sanitizers none":
// how a plugin was built, for the host's log.
std::string describeBuild(const Descriptor& plugin);

}  // namespace cpe::plugin
