#include "cpe/wait_seconds.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <algorithm>
#include <optional>
#include <vector>

namespace cpe {
namespace {

constexpr const char* kName = "waitSeconds";
// More digits than any value in range needs (leading zeros allowed), and few
// enough that the value cannot overflow an int.
constexpr std::size_t kMaxDigits = 9;

RequestError badValue() {
  return {400, std::string(kName) + " must be an integer from " + std::to_string(kMinWaitSeconds) +
                   " to " + std::to_string(kMaxWaitSeconds)};
}

std::optional<int> digitsValue(const std::string& text) {
  if (text.empty() || text.size() > kMaxDigits) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoi(text);
}

// The query's name=value pairs as sent, split at '&'; empty ones dropped.
std::vector<std::string> splitQuery(const std::string& query) {
  std::vector<std::string> pairs;
  std::size_t start = 0;
  while (start <= query.size()) {
    const std::size_t end = std::min(query.find('&', start), query.size());
    if (end > start) pairs.push_back(query.substr(start, end - start));
    start = end + 1;
  }
  return pairs;
}

// Percent-decoded text; nullopt for a malformed escape. '+' stays '+': a
// number never holds one, so "+5" is refused rather than read as " 5".
std::optional<std::string> decoded(const std::string& raw) {
  std::string text;
  try {
    Poco::URI::decode(raw, text);
  } catch (const Poco::Exception&) {
    return std::nullopt;
  }
  return text;
}

}  // namespace

std::variant<std::chrono::seconds, RequestError> parseWaitSeconds(const std::string& uri) {
  std::string query;
  try {
    query = Poco::URI(uri).getRawQuery();
  } catch (const Poco::Exception&) {
    return std::chrono::seconds::zero();  // the router answers such a URI before we are asked
  }
  std::optional<std::string> given;
  for (const std::string& pair : splitQuery(query)) {
    const std::size_t equals = pair.find('=');
    const auto name = decoded(pair.substr(0, equals));
    if (name != kName) continue;  // another parameter, or bytes that name none
    if (given) return RequestError{400, std::string(kName) + " must be given at most once"};
    given = equals == std::string::npos ? "" : decoded(pair.substr(equals + 1)).value_or("");
  }
  if (!given) return std::chrono::seconds::zero();
  const auto seconds = digitsValue(*given);
  if (!seconds || *seconds < kMinWaitSeconds || *seconds > kMaxWaitSeconds) return badValue();
  return std::chrono::seconds(*seconds);
}

}  // namespace cpe
