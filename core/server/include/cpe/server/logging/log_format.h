#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Util/AbstractConfiguration.h>
#include <Poco/Util/MapConfiguration.h>

#include <optional>
#include <string>
#include <string_view>

namespace cpe::logging {

// How the console log writes each event, chosen by `logging.format`:
//   text  "2026-11-28T22:10:00.123Z Warning worker: task …: giving up …"
//         (Poco's PatternFormatter; the default, unchanged since the start)
//   json  one JSON object per line (JsonLogFormatter), with taskId and
//         deviceId as fields of their own on lines about a task
enum class LogFormat { kText, kJson };

inline constexpr const char* kLogFormatKey = "logging.format";

// "text" or "json" (blanks around it ignored); nullopt for anything else.
std::optional<LogFormat> parseLogFormat(std::string_view value);

// The format `config` asks for: text when logging.format is unset. Throws
// config::ConfigError naming the key for any other value.
LogFormat readLogFormat(const Poco::Util::AbstractConfiguration& config);

// Poco LoggingConfigurator settings of the default console log: the root
// logger at level information on a ConsoleChannel (stderr) formatted as
// `format` asks, and `loggerName` as the application's logger. Each is a
// default: a configuration file may set any of these keys itself.
Poco::AutoPtr<Poco::Util::MapConfiguration> loggingDefaults(const std::string& loggerName,
                                                            LogFormat format);

}  // namespace cpe::logging
