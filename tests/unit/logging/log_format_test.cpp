#include "cpe/server/logging/log_format.h"

#include <Poco/AutoPtr.h>
#include <Poco/DateTime.h>
#include <Poco/PatternFormatter.h>
#include <gtest/gtest.h>

#include "cpe/log_fields.h"
#include "cpe/server/config/config_reader.h"
#include "cpe/server/logging/json_log_formatter.h"

namespace cpe::logging {
namespace {

constexpr const char* kFormatterClass = "logging.channels.console.formatter.class";
constexpr const char* kPattern = "logging.channels.console.formatter.pattern";

TEST(LogFormat, IsTextOrJson) {
  EXPECT_EQ(parseLogFormat("text"), LogFormat::kText);
  EXPECT_EQ(parseLogFormat(" json "), LogFormat::kJson);
  EXPECT_EQ(parseLogFormat("JSON"), std::nullopt);
  EXPECT_EQ(parseLogFormat(""), std::nullopt);
}

TEST(LogFormat, IsTextUnlessConfigured) {
  Poco::AutoPtr<Poco::Util::MapConfiguration> config = new Poco::Util::MapConfiguration;
  EXPECT_EQ(readLogFormat(*config), LogFormat::kText);
  config->setString(kLogFormatKey, "json");
  EXPECT_EQ(readLogFormat(*config), LogFormat::kJson);
}

TEST(LogFormat, AnotherValueIsRefusedNamingTheKey) {
  Poco::AutoPtr<Poco::Util::MapConfiguration> config = new Poco::Util::MapConfiguration;
  config->setString(kLogFormatKey, "xml");
  try {
    readLogFormat(*config);
    FAIL() << "xml accepted";
  } catch (const config::ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("logging.format = 'xml'"), std::string::npos)
        << error.what();
  }
}

TEST(LogFormat, JsonPutsTheJsonFormatterOnTheConsole) {
  const auto defaults = loggingDefaults("cpe-host", LogFormat::kJson);
  EXPECT_EQ(defaults->getString(kFormatterClass), JsonLogFormatter::kClassName);
  EXPECT_FALSE(defaults->hasProperty(kPattern));
  EXPECT_EQ(defaults->getString("logging.channels.console.class"), "ConsoleChannel");
  EXPECT_EQ(defaults->getString("application.logger"), "cpe-host");
}

TEST(LogFormat, TextPrintsTheMessageAsBeforeWithoutTheFields) {
  const auto defaults = loggingDefaults("cpe-host", LogFormat::kText);
  EXPECT_EQ(defaults->getString(kFormatterClass), "PatternFormatter");
  Poco::AutoPtr<Poco::PatternFormatter> pattern =
      new Poco::PatternFormatter(defaults->getString(kPattern));
  Poco::Message message("worker", "task 3f2b for ABC123: completed 200 after 1 call(s)",
                        Poco::Message::PRIO_INFORMATION);
  message.setTime(Poco::DateTime(2026, 11, 28, 22, 10, 0, 123).timestamp());
  message.set(kLogTaskId, "3f2b");
  message.set(kLogDeviceId, "ABC123");
  std::string line;
  pattern->format(message, line);
  EXPECT_EQ(line,
            "2026-11-28T22:10:00.123Z Information worker: "
            "task 3f2b for ABC123: completed 200 after 1 call(s)");
}

}  // namespace
}  // namespace cpe::logging
