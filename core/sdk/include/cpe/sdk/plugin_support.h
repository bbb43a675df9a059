#pragma once

// Helpers every plugin needs at its boundary: no exception may cross it, a
// plugin's log lines must never stop its I/O thread, and the descriptor and
// factory are the same few lines in every plugin.

#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "cpe/sdk/plugin.h"
#include "cpe/sdk/status.h"

namespace cpe::plugin {

// Logs on one Poco logger, swallowing any failure of the log channel. Plugin
// log lines never carry message bodies or parameters: they hold passwords.
class PluginLog {
 public:
  explicit PluginLog(std::string loggerName) : loggerName_(std::move(loggerName)) {}
  void information(const std::string& text) const noexcept;
  void warning(const std::string& text) const noexcept;
  void error(const std::string& text) const noexcept;

  // Runs a caller's callback on a plugin thread; an exception from it is
  // logged and swallowed, since nothing may unwind through an event loop.
  template <typename Callback, typename... Args>
  void callSafely(Callback& callback, Args&&... args) const noexcept {
    try {
      callback(std::forward<Args>(args)...);
    } catch (const std::exception& thrown) {
      error(std::string("a broker callback threw: ") + thrown.what());
    } catch (...) {
      error("a broker callback threw");
    }
  }

 private:
  std::string loggerName_;
};

// Call only inside a catch block: the exception in flight as kInternal,
// "<what>: <its text>". What throws inside a port method is allocation or
// locking failure, which retrying does not help.
Status statusFromException(std::string_view what) noexcept;

// The body of a Descriptor factory: runs `make` (returning
// Result<std::unique_ptr<Port>>) so that neither an error status nor an
// exception crosses the boundary: on failure `error` explains and the result
// is null. `what` prefixes exception texts, e.g. "cannot create the store".
template <typename Port, typename Make>
Port* createGuarded(const char* what, std::string& error, Make&& make) noexcept {
  try {
    Result<std::unique_ptr<Port>> made = make();
    if (!made.isOk()) {
      error = made.status().message();
      return nullptr;
    }
    return std::move(made).value().release();
  } catch (const std::exception& thrown) {
    error = std::string(what) + ": " + thrown.what();
  } catch (...) {
    error = what;
  }
  return nullptr;
}

// A plugin's own factory, free to fail with a Status or to throw:
//   Result<std::unique_ptr<TaskStore>> openStore(const Settings& settings);
template <typename Port>
using MakePort = Result<std::unique_ptr<Port>> (*)(const Settings& settings);

template <MakePort<TaskStore> Make>
TaskStore* guardedStoreFactory(const Settings& settings, std::string& error) noexcept {
  return createGuarded<TaskStore>("cannot create the store", error, [&] { return Make(settings); });
}

template <MakePort<Broker> Make>
Broker* guardedBrokerFactory(const Settings& settings, std::string& error) noexcept {
  return createGuarded<Broker>("cannot create the broker", error, [&] { return Make(settings); });
}

template <MakePort<TaskStore> Make>
Descriptor describeStore(const char* name, const ConfigKey* keys, std::size_t keyCount) noexcept {
  return Descriptor{kAbiVersion,
                    Kind::kStore,
                    name,
                    CPE_SDK_VERSION,
                    kThisBuild,
                    keys,
                    keyCount,
                    &guardedStoreFactory<Make>,
                    /*createBroker=*/nullptr};
}

template <MakePort<Broker> Make>
Descriptor describeBroker(const char* name, const ConfigKey* keys, std::size_t keyCount) noexcept {
  return Descriptor{kAbiVersion,
                    Kind::kBroker,
                    name,
                    CPE_SDK_VERSION,
                    kThisBuild,
                    keys,
                    keyCount,
                    /*createStore=*/nullptr,
                    &guardedBrokerFactory<Make>};
}

}  // namespace cpe::plugin

// The whole exported part of a plugin, in one line at namespace scope:
//   CPE_STORE_PLUGIN("sqlite", kConfigKeys, kConfigKeyCount, openStore)
// `keys` may be nullptr with a count of 0. The descriptor is built on the
// first call, so the keys may live in another translation unit.
#define CPE_STORE_PLUGIN(name, keys, keyCount, make)                                    \
  CPE_PLUGIN_EXPORT const ::cpe::plugin::Descriptor* cpe_plugin_descriptor() noexcept { \
    static const ::cpe::plugin::Descriptor descriptor =                                 \
        ::cpe::plugin::describeStore<make>(name, keys, keyCount);                       \
    return &descriptor;                                                                 \
  }
#define CPE_BROKER_PLUGIN(name, keys, keyCount, make)                                   \
  CPE_PLUGIN_EXPORT const ::cpe::plugin::Descriptor* cpe_plugin_descriptor() noexcept { \
    static const ::cpe::plugin::Descriptor descriptor =                                 \
        ::cpe::plugin::describeBroker<make>(name, keys, keyCount);                      \
    return &descriptor;                                                                 \
  }
