#include "cpe/server/logging/log_format.h"

#include <Poco/String.h>

#include "cpe/server/config/config_reader.h"
#include "cpe/server/logging/json_log_formatter.h"

namespace cpe::logging {

std::optional<LogFormat> parseLogFormat(std::string_view value) {
  const std::string trimmed = Poco::trim(std::string(value));
  if (trimmed == "text") return LogFormat::kText;
  if (trimmed == "json") return LogFormat::kJson;
  return std::nullopt;
}

LogFormat readLogFormat(const Poco::Util::AbstractConfiguration& config) {
  const std::string value = config.getString(kLogFormatKey, "text");
  const auto format = parseLogFormat(value);
  if (!format) {
    throw config::ConfigError("configuration key " + std::string(kLogFormatKey) + " = '" + value +
                              "': expected text or json");
  }
  return *format;
}

Poco::AutoPtr<Poco::Util::MapConfiguration> loggingDefaults(const std::string& loggerName,
                                                            LogFormat format) {
  Poco::AutoPtr<Poco::Util::MapConfiguration> defaults = new Poco::Util::MapConfiguration;
  defaults->setString("application.logger", loggerName);
  defaults->setString("logging.loggers.root.channel", "console");
  defaults->setString("logging.loggers.root.level", "information");
  defaults->setString("logging.channels.console.class", "ConsoleChannel");
  if (format == LogFormat::kJson) {
    defaults->setString("logging.channels.console.formatter.class", JsonLogFormatter::kClassName);
    return defaults;
  }
  defaults->setString("logging.channels.console.formatter.class", "PatternFormatter");
  defaults->setString("logging.channels.console.formatter.pattern",
                      "%Y-%m-%dT%H:%M:%S.%iZ %p %s: %t");
  return defaults;
}

}  // namespace cpe::logging
