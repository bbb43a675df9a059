#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cpe {

// The largest request body either service accepts (api-contract.md).
inline constexpr std::size_t kMaxRequestBodyBytes = std::size_t{64} * 1024;

// Why a request body was refused: the HTTP status to answer with (400 or 413)
// and a message naming the offending field.
// timeoutInSeconds, inclusive.
inline constexpr int kMinTimeoutSeconds = 1;
inline constexpr int kMaxTimeoutSeconds = 86400;

struct RequestError {
  int httpStatus;
  std::string message;
};

// The request body A receives: {"timeoutInSeconds":…,"parameters":{…}},
// from the parts of a request that passed validation (parse() below, or a
// task made from one). The one place that body is written.
std::string provisioningBody(int timeoutInSeconds, std::string_view parametersJson);

// A provisioning request body that passed every rule of the contract's input
// table. Immutable and cheap to share between threads.
//
// The parameters object is kept as accepted, fields unknown to us included,
// because A receives it unchanged. It holds the device password: never log
// parametersJson() or toJson().
class ProvisioningRequest {
 public:
  // Parses and validates `body`. The single place where A and B check input.
  static std::variant<ProvisioningRequest, RequestError> parse(std::string_view body);

  int timeoutInSeconds() const { return timeoutInSeconds_; }
  const std::string& username() const { return username_; }
  std::optional<int> vlan() const { return vlan_; }
  const std::vector<std::int64_t>& interfaces() const { return interfaces_; }

  // The `parameters` object, compact JSON, key order as received.
  const std::string& parametersJson() const { return parametersJson_; }

  // The request body to forward to A: {"timeoutInSeconds":…,"parameters":{…}}.
  std::string toJson() const;

 private:
  ProvisioningRequest() = default;

  int timeoutInSeconds_ = 0;
  std::string username_;
  std::optional<int> vlan_;
  std::vector<std::int64_t> interfaces_;
  std::string parametersJson_;
};

}  // namespace cpe
