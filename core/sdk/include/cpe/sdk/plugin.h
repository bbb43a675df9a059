#pragma once

// The plugin ABI. A plugin is a shared object that exports exactly one
// symbol, cpe_plugin_descriptor(), returning a Descriptor. The host loads it
// and refuses a plugin that cannot work in its process: another SDK ABI
// version, another C++ standard library ABI, or other sanitizers; each
// refusal names both sides. Compiler, its version and assertions (NDEBUG)
// are reported but never refused: they change no type the two sides share.
//
// Plugins and host link the same libcpe_sdk.so, so C++ types (std::string,
// the port classes) cross the boundary safely once those checks pass;
// exceptions never do: every function here is noexcept.
//
// Most plugins need no more of this file than one of the CPE_STORE_PLUGIN
// and CPE_BROKER_PLUGIN macros at the end of plugin_support.h.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "cpe/sdk/broker.h"
#include "cpe/sdk/task_store.h"
#include "cpe/sdk/version.h"

namespace cpe::plugin {

// The plugin ABI version is the SDK's major version: raised whenever
// Descriptor, a port class or a type they use changes shape.
inline constexpr std::uint32_t kAbiVersion = CPE_SDK_VERSION_MAJOR;

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

// How a binary was built, as far as host and plugin must agree (the first
// two) or an operator may want to know (the rest).
struct BuildTraits {
  const char* standardLibraryAbi;  // "libstdc++ cxx11", "libc++", …: must match
  const char* sanitizers;          // "none", "address", "thread": must match
  const char* compiler;            // e.g. "gcc 12.2.0": reported only
  const char* assertions;          // "on" or "off" (NDEBUG): reported only
};

struct Descriptor {
  // First, at the same offset in every version, so any host can read it.
  std::uint32_t abiVersion;  // kAbiVersion of the plugin's build
  Kind kind;
  const char* name;        // "sqlite", "rabbitmq", …; its keys live under <kind>.<name>.
  const char* sdkVersion;  // CPE_SDK_VERSION of the plugin's build
  BuildTraits build;
  const ConfigKey* keys;
  std::size_t keyCount;
  // The factory for this kind (the other is null). On failure returns null
  // and sets `error` to a message for the operator.
  TaskStore* (*createStore)(const Settings& settings, std::string& error) noexcept;
  Broker* (*createBroker)(const Settings& settings, std::string& error) noexcept;
};

// The traits of the translation unit that includes this header: the
// plugin's build inside a plugin, the host's inside the host.
#define CPE_STRINGIFY_(x) #x
#define CPE_STRINGIFY(x) CPE_STRINGIFY_(x)
#if defined(_LIBCPP_VERSION)
#define CPE_BUILD_STDLIB_ABI_ "libc++ abi-" CPE_STRINGIFY(_LIBCPP_ABI_VERSION)
#elif defined(__GLIBCXX__) && _GLIBCXX_USE_CXX11_ABI
#define CPE_BUILD_STDLIB_ABI_ "libstdc++ cxx11"
#else
#define CPE_BUILD_STDLIB_ABI_ "libstdc++ pre-cxx11"
#endif
#if defined(_GLIBCXX_DEBUG)
#define CPE_BUILD_STDLIB_MODE_ " debug-mode"  // checked containers change layouts
#else
#define CPE_BUILD_STDLIB_MODE_ ""
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CPE_BUILD_ASAN_ 1
#elif __has_feature(thread_sanitizer)
#define CPE_BUILD_TSAN_ 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(CPE_BUILD_ASAN_)
#define CPE_BUILD_SANITIZERS_ "address"
#elif defined(__SANITIZE_THREAD__) || defined(CPE_BUILD_TSAN_)
#define CPE_BUILD_SANITIZERS_ "thread"
#else
#define CPE_BUILD_SANITIZERS_ "none"
#endif
#if defined(__clang__)
#define CPE_BUILD_COMPILER_ "clang " __clang_version__
#elif defined(__GNUC__)
#define CPE_BUILD_COMPILER_ "gcc " __VERSION__
#else
#define CPE_BUILD_COMPILER_ "unknown"
#endif
#if defined(NDEBUG)
#define CPE_BUILD_ASSERTIONS_ "off"
#else
#define CPE_BUILD_ASSERTIONS_ "on"
#endif

inline constexpr BuildTraits kThisBuild{CPE_BUILD_STDLIB_ABI_ CPE_BUILD_STDLIB_MODE_,
                                        CPE_BUILD_SANITIZERS_, CPE_BUILD_COMPILER_,
                                        CPE_BUILD_ASSERTIONS_};

}  // namespace cpe::plugin

// Every plugin defines this, and nothing else is exported.
extern "C" const cpe::plugin::Descriptor* cpe_plugin_descriptor() noexcept;
#define CPE_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))
