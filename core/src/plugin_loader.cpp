#include "cpe/plugin_loader.h"

#include <Poco/File.h>
#include <Poco/Logger.h>
#include <Poco/SharedLibrary.h>

#include <set>
#include <vector>

#include "cpe/older_sdk_store.h"
#include "cpe/sdk/mutex.h"

namespace cpe::plugin {
namespace {

using DescriptorFunction = const Descriptor* (*)() noexcept;
constexpr const char* kEntryPoint = "cpe_plugin_descriptor";

// Loaded libraries, never unloaded (see the class comment).
Mutex libraryMutex;
std::vector<std::unique_ptr<Poco::SharedLibrary>>& loadedLibraries() CPE_REQUIRES(libraryMutex) {
  static auto* libraries = new std::vector<std::unique_ptr<Poco::SharedLibrary>>;
  return *libraries;
}

std::string describe(Kind kind, const std::string& nameOrPath, const std::string& path) {
  return std::string(kindName(kind)) + " plugin '" + nameOrPath + "' (" + path + ")";
}

Status checkDescriptor(const Descriptor* plugin, Kind kind, const std::string& what) {
  if (plugin == nullptr) return Status::internal(what + ": entry point returned no descriptor");
  // Only the ABI version may be read before it is known to match.
  if (plugin->abiVersion != kAbiVersion) {
    return Status::invalidArgument(what + ": built for plugin ABI (SDK major version) " +
                                   std::to_string(plugin->abiVersion) + ", host uses " +
                                   std::to_string(kAbiVersion));
  }
  if (Status compatible = checkCompatible(plugin->build, kThisBuild); !compatible.isOk()) {
    return Status::invalidArgument(what + ": " + compatible.message());
  }
  if (plugin->kind != kind) {
    return Status::invalidArgument(what + ": is a " + kindName(plugin->kind) + " plugin, not a " +
                                   kindName(kind) + " plugin");
  }
  const bool hasFactory =
      kind == Kind::kStore ? plugin->createStore != nullptr : plugin->createBroker != nullptr;
  if (!hasFactory) return Status::invalidArgument(what + ": has no factory for its kind");
  return Status::ok();
}

}  // namespace

Status checkCompatible(const BuildTraits& plugin, const BuildTraits& host) {
  auto differ = [](const char* a, const char* b) { return std::string(a) != b; };
  if (differ(plugin.standardLibraryAbi, host.standardLibraryAbi)) {
    return Status::invalidArgument(std::string("built with C++ standard library ABI '") +
                                   plugin.standardLibraryAbi + "', host with '" +
                                   host.standardLibraryAbi + "'");
  }
  if (differ(plugin.sanitizers, host.sanitizers)) {
    return Status::invalidArgument(std::string("built with sanitizers '") + plugin.sanitizers +
                                   "', host with '" + host.sanitizers + "'");
  }
  return Status::ok();
}

std::string describeBuild(const Descriptor& plugin) {
  return std::string("SDK ") + plugin.sdkVersion + ", " + plugin.build.compiler + ", " +
         plugin.build.standardLibraryAbi + ", assertions " + plugin.build.assertions +
         ", sanitizers " + plugin.build.sanitizers;
}

std::string PluginLoader::pathFor(Kind kind, const std::string& nameOrPath) const {
  if (nameOrPath.find('/') != std::string::npos) return nameOrPath;
  const bool hasSlash = !pluginDir_.empty() && pluginDir_.back() == '/';
  return pluginDir_ + (hasSlash ? "" : "/") + "libcpe_" + kindName(kind) + "_" + nameOrPath + ".so";
}

Result<const Descriptor*> PluginLoader::load(Kind kind, const std::string& nameOrPath) const {
  const std::string path = pathFor(kind, nameOrPath);
  const std::string what = describe(kind, nameOrPath, path);
  if (nameOrPath.empty())
    return Status::invalidArgument(std::string("no ") + kindName(kind) + " plugin configured");
  if (!Poco::File(path).exists()) return Status::notFound(what + ": no such file");

  auto library = std::make_unique<Poco::SharedLibrary>();
  try {
    library->load(path, Poco::SharedLibrary::SHLIB_LOCAL);
  } catch (const Poco::Exception& error) {
    return Status::invalidArgument(what + ": cannot load: " + error.displayText());
  }
  if (!library->hasSymbol(kEntryPoint)) {
    return Status::invalidArgument(what + ": does not export " + kEntryPoint);
  }
  const auto entry = reinterpret_cast<DescriptorFunction>(library->getSymbol(kEntryPoint));
  const Descriptor* plugin = entry();
  {
    MutexLock lock(libraryMutex);
    loadedLibraries().push_back(std::move(library));
  }
  if (Status checked = checkDescriptor(plugin, kind, what); !checked.isOk()) return checked;
  Poco::Logger::get("plugins").information("loaded %s: %s", what, describeBuild(*plugin));
  return plugin;
}

Result<Settings> PluginLoader::settingsFor(const Descriptor& plugin,
                                           const Poco::Util::AbstractConfiguration& config,
                                           const std::string& prefix) {
  Settings settings;
  std::set<std::string> declared;
  for (std::size_t i = 0; i < plugin.keyCount; ++i) {
    const ConfigKey& key = plugin.keys[i];
    declared.insert(key.name);
    settings[key.name] = config.getString(prefix + "." + key.name, key.defaultValue);
  }
  Poco::Util::AbstractConfiguration::Keys present;
  config.keys(prefix, present);
  std::string unknown;
  for (const auto& key : present) {
    if (declared.count(key) != 0) continue;
    if (!unknown.empty()) unknown += ", ";
    unknown.append(prefix).append(".").append(key);
  }
  if (!unknown.empty()) {
    return Status::invalidArgument(std::string(plugin.name) + " " + kindName(plugin.kind) +
                                   " plugin: unknown configuration key(s): " + unknown);
  }
  return settings;
}

Result<std::unique_ptr<TaskStore>> PluginLoader::createStore(
    const std::string& nameOrPath, const Poco::Util::AbstractConfiguration& config) const {
  auto plugin = load(Kind::kStore, nameOrPath);
  if (!plugin.isOk()) return plugin.status();
  auto settings =
      settingsFor(*plugin.value(), config, std::string("store.") + plugin.value()->name);
  if (!settings.isOk()) return settings.status();
  std::string error;
  std::unique_ptr<TaskStore> store(plugin.value()->createStore(settings.value(), error));
  if (!store)
    return Status::invalidArgument(std::string(plugin.value()->name) + " store: " + error);
  if (predatesSealingMethods(plugin.value()->sdkVersion)) {
    return behindSealingDefaults(std::move(store));
  }
  if (predatesRetention(plugin.value()->sdkVersion)) {
    return behindRetentionDefaults(std::move(store));
  }
  return store;
}

Result<std::unique_ptr<Broker>> PluginLoader::createBroker(
    const std::string& nameOrPath, const Poco::Util::AbstractConfiguration& config) const {
  auto plugin = load(Kind::kBroker, nameOrPath);
  if (!plugin.isOk()) return plugin.status();
  auto settings =
      settingsFor(*plugin.value(), config, std::string("broker.") + plugin.value()->name);
  if (!settings.isOk()) return settings.status();
  std::string error;
  std::unique_ptr<Broker> broker(plugin.value()->createBroker(settings.value(), error));
  if (!broker)
    return Status::invalidArgument(std::string(plugin.value()->name) + " broker: " + error);
  return broker;
}

}  // namespace cpe::plugin
