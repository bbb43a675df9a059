#include "cpe/device_history.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <sstream>

#include "cpe/task_service.h"

namespace cpe {
namespace {

constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kCursorSeparator = '.';

std::string base64UrlEncode(std::string_view bytes) {
  std::string text;
  text.reserve((bytes.size() * 4 + 2) / 3);
  std::uint32_t bits = 0;
  int held = 0;
  for (const char c : bytes) {
    bits = (bits << 8) | static_cast<unsigned char>(c);
    held += 8;
    while (held >= 6) {
      held -= 6;
      text += kBase64Url[(bits >> held) & 0x3f];
    }
  }
  if (held > 0) text += kBase64Url[(bits << (6 - held)) & 0x3f];
  return text;
}

// The bytes of unpadded base64url `text`; nullopt for a character outside
// the alphabet. Not canonical by itself: the caller re-encodes and compares.
std::optional<std::string> base64UrlDecode(std::string_view text) {
  std::string bytes;
  std::uint32_t bits = 0;
  int held = 0;
  for (const char c : text) {
    const std::size_t value = kBase64Url.find(c);
    if (value == std::string_view::npos) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    held += 6;
    if (held >= 8) {
      held -= 8;
      bytes += static_cast<char>((bits >> held) & 0xff);
    }
  }
  return bytes;
}

// A limit as the contract allows it: decimal digits only (no sign, space or
// exponent), 1 to kMaxHistoryLimit.
std::optional<std::size_t> parseLimit(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::size_t limit = 0;
  std::from_chars(text.data(), text.data() + text.size(), limit);
  if (limit < 1 || limit > kMaxHistoryLimit) return std::nullopt;
  return limit;
}

RequestError badParameter(std::string message) { return RequestError{400, std::move(message)}; }

}  // namespace

std::variant<HistoryQuery, RequestError> parseHistoryQuery(
    const std::vector<std::pair<std::string, std::string>>& parameters) {
  HistoryQuery query;
  bool sawLimit = false;
  bool sawAfter = false;
  for (const auto& [name, value] : parameters) {
    if (name == "limit") {
      if (sawLimit) return badParameter("limit must be given at most once");
      sawLimit = true;
      const auto limit = parseLimit(value);
      if (!limit) {
        return badParameter("limit must be an integer from 1 to " +
                            std::to_string(kMaxHistoryLimit));
      }
      query.limit = *limit;
    } else if (name == "after") {
      if (sawAfter) return badParameter("after must be given at most once");
      sawAfter = true;
      query.after = decodeHistoryCursor(value);
      if (!query.after) return badParameter("after must be a cursor given as next");
    }
  }
  return query;
}

std::string encodeHistoryCursor(const TaskPosition& position) {
  return base64UrlEncode(std::to_string(position.createdAt) + kCursorSeparator + position.id);
}

std::optional<TaskPosition> decodeHistoryCursor(std::string_view cursor) {
  const auto bytes = base64UrlDecode(cursor);
  if (!bytes) return std::nullopt;
  const std::size_t separator = bytes->find(kCursorSeparator);
  if (separator == std::string::npos || separator == 0) return std::nullopt;
  TaskPosition position;
  const char* begin = bytes->data();
  const char* end = begin + separator;
  const auto [stop, error] = std::from_chars(begin, end, position.createdAt);
  if (error != std::errc() || stop != end || position.createdAt < 0) return std::nullopt;
  position.id = bytes->substr(separator + 1);
  if (!isTaskIdForm(position.id)) return std::nullopt;
  // One spelling per position: no leading zeros, no stray trailing bits.
  if (encodeHistoryCursor(position) != cursor) return std::nullopt;
  return position;
}

std::string historyAnswer(const HistoryPage& page) {
  Poco::JSON::Array::Ptr tasks = new Poco::JSON::Array;
  for (const TaskSummary& summary : page.tasks) {
    Poco::JSON::Object::Ptr task = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    task->set("taskId", summary.id);
    task->set("status", std::string(taskStatusName(summary.status)));
    task->set("code", statusAnswerFor(summary.status).code);
    task->set("createdAt", formatTimestamp(summary.createdAt));
    if (isTerminal(summary.status)) {
      task->set("finishedAt", formatTimestamp(summary.updatedAt));
    } else {
      task->set("finishedAt", Poco::Dynamic::Var());  // null: not finished
    }
    tasks->add(task);
  }
  Poco::JSON::Object answer(Poco::JSON_PRESERVE_KEY_ORDER);
  answer.set("code", 200);
  answer.set("tasks", tasks);
  if (page.next) answer.set("next", encodeHistoryCursor(*page.next));
  std::ostringstream out;
  answer.stringify(out);
  return out.str();
}

}  // namespace cpe
