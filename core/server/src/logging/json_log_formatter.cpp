#include "cpe/server/logging/json_log_formatter.h"

#include <Poco/DateTimeFormatter.h>
#include <Poco/Instantiator.h>
#include <Poco/LoggingFactory.h>

#include <mutex>

#include "cpe/log_fields.h"

namespace cpe::logging {
namespace {

constexpr const char* kTimeFormat = "%Y-%m-%dT%H:%M:%S.%iZ";  // the text format's
constexpr const char* kHexDigits = "0123456789abcdef";

unsigned char byteAt(std::string_view text, std::size_t at) {
  return static_cast<unsigned char>(text[at]);
}

bool isContinuation(unsigned char byte) { return byte >= 0x80 && byte <= 0xbf; }

// The length of the well-formed UTF-8 sequence of a non-ASCII character at
// `at`, or 0 when the bytes there are not one (Unicode 15, table 3-7).
std::size_t utf8SequenceLength(std::string_view text, std::size_t at) {
  const unsigned char lead = byteAt(text, at);
  std::size_t length = 0;
  unsigned char secondLow = 0x80;
  unsigned char secondHigh = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) secondLow = 0xa0;   // overlong
    if (lead == 0xed) secondHigh = 0x9f;  // surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) secondLow = 0x90;   // overlong
    if (lead == 0xf4) secondHigh = 0x8f;  // above U+10FFFF
  } else {
    return 0;  // a continuation byte, C0/C1 (overlong) or F5..FF
  }
  if (text.size() - at < length) return 0;
  const unsigned char second = byteAt(text, at + 1);
  if (second < secondLow || second > secondHigh) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (!isContinuation(byteAt(text, at + i))) return 0;
  }
  return length;
}

void appendUnicodeEscape(std::string& out, unsigned code) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHexDigits[(code >> shift) & 0xf];
}

void appendAscii(std::string& out, char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    default:
      break;
  }
  const auto code = static_cast<unsigned char>(c);
  if (code < 0x20 || code == 0x7f) {
    appendUnicodeEscape(out, code);
  } else {
    out += c;
  }
}

// U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR: E2 80 A8 / E2 80 A9.
bool isLineSeparator(std::string_view sequence) {
  return sequence.size() == 3 && byteAt(sequence, 0) == 0xe2 && byteAt(sequence, 1) == 0x80 &&
         (byteAt(sequence, 2) == 0xa8 || byteAt(sequence, 2) == 0xa9);
}

void appendField(std::string& out, const char* name, std::string_view value) {
  out += ',';
  appendJsonString(out, name);
  out += ':';
  appendJsonString(out, value);
}

}  // namespace

void appendJsonString(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size() + 2);
  out += '"';
  std::size_t at = 0;
  while (at < text.size()) {
    if (byteAt(text, at) < 0x80) {
      appendAscii(out, text[at]);
      ++at;
      continue;
    }
    const std::size_t length = utf8SequenceLength(text, at);
    if (length == 0) {
      appendUnicodeEscape(out, 0xfffd);
      ++at;
      continue;
    }
    const std::string_view sequence = text.substr(at, length);
    if (isLineSeparator(sequence)) {
      appendUnicodeEscape(out, byteAt(sequence, 2) == 0xa8 ? 0x2028 : 0x2029);
    } else {
      out.append(sequence);
    }
    at += length;
  }
  out += '"';
}

std::string_view levelName(Poco::Message::Priority priority) noexcept {
  switch (priority) {
    case Poco::Message::PRIO_FATAL:
      return "fatal";
    case Poco::Message::PRIO_CRITICAL:
      return "critical";
    case Poco::Message::PRIO_ERROR:
      return "error";
    case Poco::Message::PRIO_WARNING:
      return "warning";
    case Poco::Message::PRIO_NOTICE:
      return "notice";
    case Poco::Message::PRIO_INFORMATION:
      return "information";
    case Poco::Message::PRIO_DEBUG:
      return "debug";
    case Poco::Message::PRIO_TRACE:
      return "trace";
  }
  return "unknown";  // not one of Poco's priorities
}

void JsonLogFormatter::format(const Poco::Message& message, std::string& text) {
  text += R"({"time":")";
  text += Poco::DateTimeFormatter::format(message.getTime(), kTimeFormat);
  text += R"(","level":")";
  text += levelName(message.getPriority());
  text += '"';
  appendField(text, "component", message.getSource());
  appendField(text, "message", message.getText());
  for (const char* field : {kLogTaskId, kLogDeviceId}) {
    if (message.has(field)) appendField(text, field, message.get(field));
  }
  text += '}';
}

void registerJsonLogFormatter() {
  static std::once_flag registered;
  std::call_once(registered, [] {
    Poco::LoggingFactory::defaultFactory().registerFormatterClass(
        JsonLogFormatter::kClassName, new Poco::Instantiator<JsonLogFormatter, Poco::Formatter>);
  });
}

}  // namespace cpe::logging
