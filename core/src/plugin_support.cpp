#include "cpe/plugin_support.h"

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

}  // namespace cpe::plugin
