#include "cpe/sdk/plugin_support.h"

#include <Poco/Logger.h>

namespace cpe::plugin {

void PluginLog::information(const std::string& text) const noexcept {
  try {
    Poco::Logger::get(loggerName_).information(text);
  } catch (...) {  // a failing log channel must not stop the plugin
  }
}

void PluginLog::warning(const std::string& text) const noexcept {
  try {
    Poco::Logger::get(loggerName_).warning(text);
  } catch (...) {
  }
}

void PluginLog::error(const std::string& text) const noexcept {
  try {
    Poco::Logger::get(loggerName_).error(text);
  } catch (...) {
  }
}

Status statusFromException(std::string_view what) noexcept {
  try {
    try {
      // Called only from a catch block (plugin_support.h): there is one.
      // cppcheck-suppress rethrowNoCurrentException
      throw;
    } catch (const std::exception& exception) {
      return Status::internal(std::string(what) + ": " + exception.what());
    } catch (...) {
      return Status::internal(std::string(what) + ": unknown exception");
    }
  } catch (...) {  // no memory even for the message
    return Status(StatusCode::kInternal, std::string());
  }
}

const char* kindName(Kind kind) noexcept {
  switch (kind) {
    case Kind::kStore:
      return "store";
    case Kind::kBroker:
      return "broker";
  }
  return "unknown";
}

}  // namespace cpe::plugin
