#pragma once

// Helpers every plugin needs at its boundary: no exception may cross it, and
// a plugin's log lines must never stop its I/O thread.

#include <exception>
#include <memory>
#include <string>
#include <utility>

#include "cpe/status.h"

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

// The body of a Descriptor factory: runs `make` (returning
// Result<std::unique_ptr<Port>>) so that neither an error status nor an
// exception crosses the boundary: on failure `error` explains and the result
// is null. `what` prefixes exception texts, e.g. "sqlite: cannot create the store".
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

}  // namespace cpe::plugin
