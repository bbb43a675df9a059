#include "cpe/provisioning_request.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>

#include "cpe/json_limits.h"
#include "provisioning_body_reader.h"

namespace cpe {
namespace {

constexpr std::int64_t kMinVlan = 1;
constexpr std::int64_t kMaxVlan = 4094;
// Deep nesting is never valid input here; the cap keeps the parser's
// recursion far from the stack limit.
constexpr std::size_t kMaxJsonDepth = 32;

RequestError badRequest(std::string message) { return RequestError{400, std::move(message)}; }

bool inRange(const std::optional<std::int64_t>& number, std::int64_t low, std::int64_t high) {
  return number && *number >= low && *number <= high;
}

bool distinct(std::vector<std::int64_t> numbers) {
  std::sort(numbers.begin(), numbers.end());
  return std::adjacent_find(numbers.begin(), numbers.end()) == numbers.end();
}

}  // namespace

std::variant<ProvisioningRequest, RequestError> ProvisioningRequest::parse(std::string_view body) {
  if (body.size() > kMaxRequestBodyBytes) {
    return RequestError{413,
                        "body must be at most " + std::to_string(kMaxRequestBodyBytes) + " bytes"};
  }
  if (countJsonMembers(body) > kMaxJsonMembers) {
    return badRequest("body must hold at most " + std::to_string(kMaxJsonMembers) +
                      " object members in all");
  }
  Poco::SharedPtr<ProvisioningBodyReader> reader(new ProvisioningBodyReader);
  Poco::JSON::Parser parser{reader};
  parser.setDepth(kMaxJsonDepth);
  try {
    parser.parse(std::string(body));
  } catch (const Poco::Exception&) {
    return badRequest("body is not valid JSON");
  }
  if (!reader->rootIsObject()) return badRequest("body must be a JSON object");
  if (reader->duplicateName()) {
    return badRequest("body must not repeat a member name within an object");
  }

  ProvisioningRequest request;
  if (!reader->timeout().present) return badRequest("timeoutInSeconds is required");
  if (!inRange(reader->timeout().value, kMinTimeoutSeconds, kMaxTimeoutSeconds)) {
    return badRequest("timeoutInSeconds must be an integer from 1 to 86400");
  }
  request.timeoutInSeconds_ = static_cast<int>(*reader->timeout().value);

  if (!reader->parametersPresent()) return badRequest("parameters is required");
  if (!reader->parametersIsObject()) return badRequest("parameters must be a JSON object");

  const auto& username = reader->username().value;
  if (!username || username->empty()) {
    return badRequest("parameters.username must be a non-empty string");
  }
  request.username_ = *username;

  if (!reader->password().value) return badRequest("parameters.password must be a string");

  if (reader->vlan().present) {
    if (!inRange(reader->vlan().value, kMinVlan, kMaxVlan)) {
      return badRequest("parameters.vlan must be an integer from 1 to 4094");
    }
    request.vlan_ = static_cast<int>(*reader->vlan().value);
  }

  const auto& interfaces = reader->interfaces().value;
  if (!interfaces || interfaces->empty() || !distinct(*interfaces)) {
    return badRequest("parameters.interfaces must be a non-empty array of distinct integers >= 1");
  }
  request.interfaces_ = *interfaces;

  request.parametersJson_ = reader->takeParametersJson();
  // Re-serialising can lengthen a body ("1e9" becomes "1000000000"). What is
  // forwarded to A must itself be within the limit, or A refuses it and the
  // task message that carries it is poison.
  if (request.toJson().size() > kMaxRequestBodyBytes) {
    return RequestError{413, "body must be at most " + std::to_string(kMaxRequestBodyBytes) +
                                 " bytes once re-serialised"};
  }
  return request;
}

std::string provisioningBody(int timeoutInSeconds, std::string_view parametersJson) {
  std::string body =
      "{\"timeoutInSeconds\":" + std::to_string(timeoutInSeconds) + ",\"parameters\":";
  body.append(parametersJson).append("}");
  return body;
}

std::string ProvisioningRequest::toJson() const {
  return provisioningBody(timeoutInSeconds_, parametersJson_);
}

}  // namespace cpe
