#include "cpe/server/logging/json_log_formatter.h"

#include <Poco/DateTime.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/LoggingFactory.h>
#include <gtest/gtest.h>

#include <string>

#include "cpe/log_fields.h"

namespace cpe::logging {
namespace {

using namespace std::string_literals;

std::string formatted(const Poco::Message& message) {
  JsonLogFormatter formatter;
  std::string line;
  formatter.format(message, line);
  return line;
}

Poco::JSON::Object::Ptr parsed(const std::string& line) {
  return Poco::JSON::Parser().parse(line).extract<Poco::JSON::Object::Ptr>();
}

std::string jsonQuoted(std::string_view text) {
  std::string out;
  appendJsonString(out, text);
  return out;
}

// What a JSON reader makes of the quoted text.
std::string roundTrip(std::string_view text) {
  return parsed(R"({"s":)" + jsonQuoted(text) + "}")->getValue<std::string>("s");
}

TEST(JsonLogFormatter, WritesTimeLevelComponentAndMessageInThatOrder) {
  Poco::Message message("worker", "A answers again: calls resume", Poco::Message::PRIO_INFORMATION);
  message.setTime(Poco::DateTime(2026, 11, 28, 22, 10, 0, 123, 456).timestamp());
  EXPECT_EQ(formatted(message),
            R"({"time":"2026-11-28T22:10:00.123Z","level":"information","component":"worker",)"
            R"("message":"A answers again: calls resume"})");
}

TEST(JsonLogFormatter, CarriesTaskIdAndDeviceIdAsFieldsOfTheirOwn) {
  Poco::Message message("results", "task 3f2b: result applied (completed)",
                        Poco::Message::PRIO_INFORMATION);
  message.set(kLogTaskId, "3f2b");
  message.set(kLogDeviceId, "ABC123");
  const auto line = parsed(formatted(message));
  EXPECT_EQ(line->getValue<std::string>("taskId"), "3f2b");
  EXPECT_EQ(line->getValue<std::string>("deviceId"), "ABC123");
  EXPECT_EQ(line->getValue<std::string>("message"), "task 3f2b: result applied (completed)");
  EXPECT_EQ(line->getValue<std::string>("component"), "results");
}

TEST(JsonLogFormatter, LeavesOutIdsTheMessageDoesNotCarry) {
  Poco::Message message("stub", "POST cpe/ABC123 -> 200 success (0.2 s)",
                        Poco::Message::PRIO_INFORMATION);
  message.set(kLogDeviceId, "ABC123");
  message.set("other", "not a field");
  const auto line = parsed(formatted(message));
  EXPECT_FALSE(line->has("taskId"));
  EXPECT_FALSE(line->has("other"));
  EXPECT_EQ(line->getValue<std::string>("deviceId"), "ABC123");
}

TEST(JsonLogFormatter, NamesEveryPocoPriorityInLowerCase) {
  const std::pair<Poco::Message::Priority, const char*> names[] = {
      {Poco::Message::PRIO_FATAL, "fatal"},   {Poco::Message::PRIO_CRITICAL, "critical"},
      {Poco::Message::PRIO_ERROR, "error"},   {Poco::Message::PRIO_WARNING, "warning"},
      {Poco::Message::PRIO_NOTICE, "notice"}, {Poco::Message::PRIO_INFORMATION, "information"},
      {Poco::Message::PRIO_DEBUG, "debug"},   {Poco::Message::PRIO_TRACE, "trace"}};
  for (const auto& [priority, name] : names) {
    const auto line = parsed(formatted(Poco::Message("x", "y", priority)));
    EXPECT_EQ(line->getValue<std::string>("level"), name);
  }
}

TEST(JsonLogFormatter, ANewlineOrNulInTheTextStaysOnOneValidLine) {
  const std::string text = "first\nsecond\r\0third"s;
  Poco::Message message("worker", text, Poco::Message::PRIO_WARNING);
  message.set(kLogTaskId, "a\nb");
  const std::string line = formatted(message);
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  EXPECT_EQ(line.find('\r'), std::string::npos) << line;
  EXPECT_EQ(line.find('\0'), std::string::npos);
  EXPECT_NE(line.find(R"(first\nsecond\r\u0000third)"), std::string::npos) << line;
  const auto object = parsed(line);
  EXPECT_EQ(object->getValue<std::string>("message"), text);
  EXPECT_EQ(object->getValue<std::string>("taskId"), "a\nb");
}

TEST(JsonLogFormatter, QuotesAndBackslashesCannotEndTheStringOrForgeFields) {
  const std::string forged = R"(x","level":"fatal","taskId":"forged\)";
  Poco::Message message("api", forged, Poco::Message::PRIO_INFORMATION);
  const auto line = parsed(formatted(message));
  EXPECT_EQ(line->getValue<std::string>("message"), forged);
  EXPECT_EQ(line->getValue<std::string>("level"), "information");
  EXPECT_FALSE(line->has("taskId"));
}

TEST(JsonString, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(jsonQuoted(R"(say "hi" \ bye)"), R"("say \"hi\" \\ bye")");
  EXPECT_EQ(jsonQuoted("\t\b\f\n\r"), R"("\t\b\f\n\r")");
  EXPECT_EQ(jsonQuoted("\x01\x1f\x7f"), R"("\u0001\u001f\u007f")");
  EXPECT_EQ(jsonQuoted(""), R"("")");
}

TEST(JsonString, KeepsValidUtf8AsItIs) {
  const std::string text = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa1";  // café € 📡
  EXPECT_EQ(jsonQuoted(text), "\"" + text + "\"");
  EXPECT_EQ(roundTrip(text), text);
}

TEST(JsonString, EscapesTheUnicodeLineSeparators) {
  EXPECT_EQ(jsonQuoted("a\xe2\x80\xa8z\xe2\x80\xa9"), R"("a\u2028z\u2029")");
}

TEST(JsonString, ReplacesEachByteOfInvalidUtf8WithTheReplacementCharacter) {
  EXPECT_EQ(jsonQuoted("a\xff"), R"("a\ufffd")");                    // never in UTF-8
  EXPECT_EQ(jsonQuoted("\x80z"), R"("\ufffdz")");                    // stray continuation byte
  EXPECT_EQ(jsonQuoted("\xc3"), R"("\ufffd")");                      // truncated at the end
  EXPECT_EQ(jsonQuoted("\xe2\x82z"), R"("\ufffd\ufffdz")");          // truncated in the middle
  EXPECT_EQ(jsonQuoted("\xc0\xaf"), R"("\ufffd\ufffd")");            // overlong '/'
  EXPECT_EQ(jsonQuoted("\xe0\x80\xaf"), R"("\ufffd\ufffd\ufffd")");  // overlong, 3 bytes
  EXPECT_EQ(jsonQuoted("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");  // a UTF-16 surrogate
  EXPECT_EQ(jsonQuoted("\xf4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // above U+10FFFF
  EXPECT_EQ(roundTrip("ok\xfe\xc3\xa9"), "ok\xef\xbf\xbd\xc3\xa9");
}

TEST(JsonString, AnyByteStringGivesValidJson) {
  std::string every;
  for (int byte = 0; byte < 256; ++byte) every += static_cast<char>(byte);
  for (int byte = 0; byte < 256; ++byte) every += "\xe2" + std::string(1, static_cast<char>(byte));
  const std::string text = roundTrip(every);  // throws if the parser refuses it
  EXPECT_EQ(text.substr(0, 128), every.substr(0, 128));
}

TEST(JsonLogFormatter, IsRegisteredWithPocosLoggingFactoryOnceHoweverOftenAsked) {
  registerJsonLogFormatter();
  registerJsonLogFormatter();
  Poco::AutoPtr<Poco::Formatter> formatter =
      Poco::LoggingFactory::defaultFactory().createFormatter(JsonLogFormatter::kClassName);
  EXPECT_NE(dynamic_cast<JsonLogFormatter*>(formatter.get()), nullptr);
}

}  // namespace
}  // namespace cpe::logging
