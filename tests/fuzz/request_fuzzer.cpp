// Fuzzes what B and A do with a hostile POST before any I/O: the request URI
// through decodedPath, matchEquipmentPath and isValidEquipmentId, the body
// through ProvisioningRequest::parse.
//
// Input: the request URI, a newline, then the body (everything after the
// first newline; an input without one is a URI with an empty body).
//
// Beyond "no crash, no leak, no sanitizer report", every answer is checked
// against the contract, and an accepted body must survive the trip to A:
// toJson() is parsed again and must give the same request.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unordered_set>
#include <variant>

#include "cpe/api_paths.h"
#include "cpe/equipment_id.h"
#include "cpe/provisioning_request.h"

namespace {

using cpe::ProvisioningRequest;
using cpe::RequestError;

constexpr std::string_view kEquipmentPrefix = "/api/v1/equipment/cpe/";
constexpr std::string_view kTaskInfix = "/task/";

// __builtin_trap would hide the reason; abort() lets libFuzzer print it.
void require(bool condition, const char* what) {
  if (condition) return;
  // Nothing to do if stderr fails too: the abort still stops the fuzzer.
  static_cast<void>(std::fprintf(stderr, "invariant broken: %s\n", what));
  std::abort();
}

// The contract's ^[a-zA-Z0-9]{6,}$, written independently of core.
bool matchesEquipmentPattern(std::string_view id) {
  constexpr std::string_view kAlnum =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  return id.size() >= 6 && id.find_first_not_of(kAlnum) == std::string_view::npos;
}

void checkPath(const std::string& uri) {
  require(cpe::isValidEquipmentId(uri) == matchesEquipmentPattern(uri), "equipment id pattern");
  const auto path = cpe::decodedPath(uri);
  if (!path) return;
  const auto match = cpe::matchEquipmentPath(*path);
  if (!match) return;
  const std::string& id = match->equipmentId;
  require(!id.empty() && id.find('/') == std::string::npos, "{id} is one segment");
  std::string rebuilt = std::string(kEquipmentPrefix) + id;
  if (match->taskId) {
    const std::string& task = *match->taskId;
    require(!task.empty() && task.find('/') == std::string::npos, "{task} is one segment");
    rebuilt += std::string(kTaskInfix) + task;
  }
  require(rebuilt == *path, "the matched segments rebuild the path");
  require(cpe::isValidEquipmentId(id) == matchesEquipmentPattern(id), "equipment id pattern");
}

void checkAccepted(const ProvisioningRequest& request) {
  require(request.timeoutInSeconds() >= 1 && request.timeoutInSeconds() <= 86400,
          "timeoutInSeconds in 1..86400");
  require(!request.username().empty(), "username non-empty");
  require(!request.vlan() || (*request.vlan() >= 1 && *request.vlan() <= 4094), "vlan 1..4094");
  require(!request.interfaces().empty(), "interfaces non-empty");
  std::unordered_set<std::int64_t> seen;
  for (std::int64_t interface : request.interfaces()) {
    require(interface >= 1 && seen.insert(interface).second, "interfaces distinct and >= 1");
  }

  // What B forwards to A (and puts in the task message) must be accepted again.
  const std::string forwarded = request.toJson();
  require(forwarded.size() <= cpe::kMaxRequestBodyBytes, "what A receives is within 64 KiB");
  const auto again = ProvisioningRequest::parse(forwarded);
  require(std::holds_alternative<ProvisioningRequest>(again), "toJson() is accepted again");
  const auto& second = std::get<ProvisioningRequest>(again);
  require(second.timeoutInSeconds() == request.timeoutInSeconds() &&
              second.username() == request.username() && second.vlan() == request.vlan() &&
              second.interfaces() == request.interfaces(),
          "toJson() keeps every field");
  require(second.parametersJson() == request.parametersJson(), "parametersJson is stable");
}

void checkBody(std::string_view body) {
  const auto parsed = ProvisioningRequest::parse(body);
  if (const auto* error = std::get_if<RequestError>(&parsed)) {
    const bool tooLarge = body.size() > cpe::kMaxRequestBodyBytes;
    require(error->httpStatus == (tooLarge ? 413 : 400), "400, or 413 for a body over 64 KiB");
    require(!error->message.empty(), "an error names its reason");
    return;
  }
  checkAccepted(std::get<ProvisioningRequest>(parsed));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  checkPath(std::string(input.substr(0, newline)));
  checkBody(newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1));
  return 0;
}
