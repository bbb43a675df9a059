#pragma once

// The plugin ABI. A plugin is a shared object that exports exactly one
// symbol, cpe_plugin_descriptor(), returning a Descriptor. The host loads it
// with PluginLoader (plugin_loader.h), which refuses a plugin whose ABI
// version, kind or build fingerprint differs from its own.
//
// Plugins and host link the same libcpe_core.so, so C++ types (std::string,
// the port classes) cross the boundary safely once the fingerprint matches;
// exceptions never do: every function here is noexcept.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "cpe/broker.h"
#include "cpe/task_store.h"

namespace cpe::plugin {

// Raise when Descriptor, a port class or a type they use changes shape.
#define CPE_PLUGIN_ABI_VERSION 2
inline constexpr std::uint32_t kAbiVersion = CPE_PLUGIN_ABI_VERSION;

enum class Kind : std::uint32_t { kStore = 1, kBroker = 2 };
const char* kindName(Kind kind) noexcept;  // "store", "broker"

// One configuration key a plugin accepts, its default and what it means.
struct ConfigKey {
  const char* name;  // relative, e.g. "path" for store.sqlite.path
  const char* defaultValue;
  const char* doc;
};

// The plugin's settings: its keys (relative names) with values from config,
// defaults filled in. Keys not declared by the plugin never reach it.
using Settings = std::map<std::string, std::string>;

struct Descriptor {
  std::uint32_t abiVersion;  // kAbiVersion of the plugin's build
  Kind kind;
  const char* name;         // "sqlite", "rabbitmq", …
  const char* fingerprint;  // kBuildFingerprint of the plugin's build
  const ConfigKey* keys;
  std::size_t keyCount;
  // The factory for this kind (the other is null). On failure returns null
  // and sets `error` to a message for the operator.
  TaskStore* (*createStore)(const Settings& settings, std::string& error) noexcept;
  Broker* (*createBroker)(const Settings& settings, std::string& error) noexcept;
};

// What must agree between host and plugin besides the ABI version: compiler,
// standard library ABI, assertions and sanitizers change object layouts or
// runtimes.
#define CPE_STRINGIFY_(x) #x
#define CPE_STRINGIFY(x) CPE_STRINGIFY_(x)
#if defined(NDEBUG)
#define CPE_FINGERPRINT_NDEBUG "ndebug"
#else
#define CPE_FINGERPRINT_NDEBUG "debug"
#endif
#if defined(__SANITIZE_ADDRESS__)
#define CPE_FINGERPRINT_SANITIZER "asan"
#elif defined(__SANITIZE_THREAD__)
#define CPE_FINGERPRINT_SANITIZER "tsan"
#else
#define CPE_FINGERPRINT_SANITIZER "nosan"
#endif
inline constexpr const char* kBuildFingerprint = "gcc-" __VERSION__ " cxx11abi-" CPE_STRINGIFY(
    _GLIBCXX_USE_CXX11_ABI) " " CPE_FINGERPRINT_NDEBUG " " CPE_FINGERPRINT_SANITIZER
                            " core-" CPE_CORE_VERSION " abi-" CPE_STRINGIFY(CPE_PLUGIN_ABI_VERSION);

}  // namespace cpe::plugin

// Every plugin defines this, and nothing else is exported.
extern "C" const cpe::plugin::Descriptor* cpe_plugin_descriptor() noexcept;
#define CPE_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))
