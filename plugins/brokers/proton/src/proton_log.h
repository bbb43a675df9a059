#pragma once

#include <exception>
#include <string>
#include <utility>

namespace cpe::brokers::proton_amqp {

// Log lines of the plugin, on Poco's "broker.proton" logger. They never carry
// a message body: task bodies hold device passwords.
void logInformation(const std::string& text) noexcept;
void logWarning(const std::string& text) noexcept;
void logError(const std::string& text) noexcept;

// Runs a caller's callback; an exception from it is logged and swallowed,
// since nothing may unwind through the container's event loop.
template <typename Callback, typename... Args>
void callSafely(Callback& callback, Args&&... args) noexcept {
  try {
    callback(std::forward<Args>(args)...);
  } catch (const std::exception& error) {
    logError(std::string("a broker callback threw: ") + error.what());
  } catch (...) {
    logError("a broker callback threw");
  }
}

}  // namespace cpe::brokers::proton_amqp
