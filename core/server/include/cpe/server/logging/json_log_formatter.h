#pragma once

#include <Poco/Formatter.h>
#include <Poco/Message.h>

#include <string>
#include <string_view>

namespace cpe::logging {

// Formats a Poco::Message as one JSON object on one line (JSON Lines), for
// log collectors that index fields:
//
//   {"time":"2026-11-28T22:10:00.123Z","level":"warning","component":"worker",
//    "message":"task 3f…: giving up after 4 call(s): …","taskId":"3f…","deviceId":"ABC123"}
//
//   time       the message's time, ISO 8601 UTC with milliseconds (as in the
//              text format)
//   level      Poco's priority name in lower case: fatal, critical, error,
//              warning, notice, information, debug, trace
//   component  the message's source: the Poco logger's name ("worker",
//              "results", "outbox", "api", "stub", "broker.rabbitmq", ...)
//   message    the text, exactly as the text format prints it
//   taskId, deviceId
//              only when the message carries those named parameters
//              (cpe/log_fields.h); always strings
//
// Whatever bytes the text holds, the line is valid JSON and a single line:
// see appendJsonString. Registered with Poco's LoggingFactory under
// kClassName, so a channel of one's own can name it as its formatter.class.
// Stateless: safe from any thread.
class JsonLogFormatter final : public Poco::Formatter {
 public:
  static constexpr const char* kClassName = "JsonLogFormatter";

  void format(const Poco::Message& message, std::string& text) override;
};

// Appends `text` to `out` as a JSON string literal, quotes included. Quote
// and backslash are escaped; control characters (newline, NUL, ...) and DEL
// become escapes (\n, \u0000, \u007f), as do U+2028 and U+2029, which some
// JavaScript readers take for line ends. Valid UTF-8 is kept as it is; each
// byte that does not belong to a valid UTF-8 sequence (stray continuation
// bytes, truncated or overlong sequences, surrogates, code points above
// U+10FFFF) becomes U+FFFD, written \ufffd.
void appendJsonString(std::string& out, std::string_view text);

// The lower-case name of a Poco priority, as the "level" field holds it.
std::string_view levelName(Poco::Message::Priority priority) noexcept;

// Registers JsonLogFormatter with Poco::LoggingFactory::defaultFactory(); may
// be called any number of times. Must run before Poco's LoggingConfigurator
// reads a configuration that names it.
void registerJsonLogFormatter();

}  // namespace cpe::logging
