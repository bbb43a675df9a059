#include "cpe/provisioning_request.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include <limits>
#include <sstream>
#include <unordered_set>

#include "cpe/json_limits.h"

namespace cpe {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Object;

constexpr std::int64_t kMinVlan = 1;
constexpr std::int64_t kMaxVlan = 4094;
// Deep nesting is never valid input here; the cap keeps the parser's
// recursion far from the stack limit.
constexpr std::size_t kMaxJsonDepth = 32;

RequestError badRequest(std::string message) { return RequestError{400, std::move(message)}; }

// JSON integers only: booleans, fractions and numeric strings are refused.
std::optional<std::int64_t> integerValue(const Var& value) {
  if (value.isEmpty() || value.isBoolean() || !value.isInteger()) return std::nullopt;
  try {
    if (!value.isSigned()) {
      const auto unsignedValue = value.convert<Poco::UInt64>();
      if (unsignedValue > static_cast<Poco::UInt64>(std::numeric_limits<std::int64_t>::max())) {
        return std::nullopt;
      }
      return static_cast<std::int64_t>(unsignedValue);
    }
    return value.convert<Poco::Int64>();
  } catch (const Poco::Exception&) {
    return std::nullopt;
  }
}

std::optional<std::int64_t> integerInRange(const Var& value, std::int64_t low, std::int64_t high) {
  const auto number = integerValue(value);
  if (!number || *number < low || *number > high) return std::nullopt;
  return number;
}

Object::Ptr parseObject(std::string_view body, std::optional<RequestError>& error) {
  Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(/*preserveObjectOrder=*/true));
  parser.setDepth(kMaxJsonDepth);
  Var root;
  try {
    root = parser.parse(std::string(body));
  } catch (const Poco::Exception&) {
    error = badRequest("body is not valid JSON");
    return nullptr;
  }
  if (root.type() != typeid(Object::Ptr)) {
    error = badRequest("body must be a JSON object");
    return nullptr;
  }
  return root.extract<Object::Ptr>();
}

std::optional<std::vector<std::int64_t>> distinctInterfaces(const Var& value) {
  if (value.type() != typeid(Poco::JSON::Array::Ptr)) return std::nullopt;
  const auto& array = value.extract<Poco::JSON::Array::Ptr>();
  if (!array || array->size() == 0) return std::nullopt;
  std::vector<std::int64_t> interfaces;
  std::unordered_set<std::int64_t> seen;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto number = integerInRange(array->get(static_cast<unsigned>(i)), 1,
                                       std::numeric_limits<std::int64_t>::max());
    if (!number || !seen.insert(*number).second) return std::nullopt;
    interfaces.push_back(*number);
  }
  return interfaces;
}

std::string compactJson(const Object& object) {
  std::ostringstream out;
  object.stringify(out);
  return out.str();
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
  std::optional<RequestError> error;
  const Object::Ptr root = parseObject(body, error);
  if (!root) return *error;

  ProvisioningRequest request;
  if (!root->has("timeoutInSeconds")) return badRequest("timeoutInSeconds is required");
  const auto timeout =
      integerInRange(root->get("timeoutInSeconds"), kMinTimeoutSeconds, kMaxTimeoutSeconds);
  if (!timeout) return badRequest("timeoutInSeconds must be an integer from 1 to 86400");
  request.timeoutInSeconds_ = static_cast<int>(*timeout);

  if (!root->has("parameters")) return badRequest("parameters is required");
  const Object::Ptr parameters = root->getObject("parameters");
  if (!parameters) return badRequest("parameters must be a JSON object");

  const Var username = parameters->get("username");
  if (!username.isString() || username.extract<std::string>().empty()) {
    return badRequest("parameters.username must be a non-empty string");
  }
  request.username_ = username.extract<std::string>();

  if (!parameters->get("password").isString()) {
    return badRequest("parameters.password must be a string");
  }

  if (parameters->has("vlan")) {
    const auto vlan = integerInRange(parameters->get("vlan"), kMinVlan, kMaxVlan);
    if (!vlan) return badRequest("parameters.vlan must be an integer from 1 to 4094");
    request.vlan_ = static_cast<int>(*vlan);
  }

  auto interfaces = distinctInterfaces(parameters->get("interfaces"));
  if (!interfaces) {
    return badRequest("parameters.interfaces must be a non-empty array of distinct integers >= 1");
  }
  request.interfaces_ = std::move(*interfaces);

  request.parametersJson_ = compactJson(*parameters);
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
