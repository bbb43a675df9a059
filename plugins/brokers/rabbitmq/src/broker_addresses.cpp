#include "broker_addresses.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "cpe/sdk/plugin_settings.h"

namespace cpe::brokers::rabbitmq {
namespace {

// Splits "host:port" or "[v6]:port" into its host and port text; false when
// there is no port separator where one belongs.
bool splitEntry(std::string_view entry, std::string_view& host, std::string_view& port) {
  if (!entry.empty() && entry.front() == '[') {
    const auto close = entry.find("]:");
    if (close == std::string_view::npos) return false;
    host = entry.substr(1, close - 1);
    port = entry.substr(close + 2);
    return true;
  }
  const auto colon = entry.rfind(':');
  // More than one colon is an IPv6 address that lacks its brackets.
  if (colon == std::string_view::npos || entry.find(':') != colon) return false;
  host = entry.substr(0, colon);
  port = entry.substr(colon + 1);
  return true;
}

bool parsePort(std::string_view text, int& port) {
  const char* end = text.data() + text.size();
  const auto [rest, error] = std::from_chars(text.data(), end, port);
  return error == std::errc() && rest == end && port >= 1 && port <= 65535;
}

// The node of one entry, or why the entry is not one.
Result<BrokerAddress> parseEntry(std::string_view entry) {
  const std::string quoted = "'" + std::string(entry) + "'";
  std::string_view host;
  std::string_view port;
  if (!splitEntry(entry, host, port)) {
    return Status::invalidArgument(quoted + " is not host:port");
  }
  if (host.empty() || host.find_first_of(" \t[]") != std::string_view::npos) {
    return Status::invalidArgument(quoted + " has no valid host");
  }
  BrokerAddress address{std::string(host), 0};
  if (!parsePort(port, address.port)) {
    return Status::invalidArgument(quoted + " has no port from 1 to 65535");
  }
  return address;
}

}  // namespace

std::string BrokerAddress::toString() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<std::vector<BrokerAddress>> parseBrokerAddresses(std::string_view text) {
  Result<std::vector<std::string_view>> entries = plugin::splitList(text);
  if (!entries.isOk()) return entries.status();
  std::vector<BrokerAddress> addresses;
  for (const std::string_view entry : entries.value()) {
    Result<BrokerAddress> address = parseEntry(entry);
    if (!address.isOk()) return address.status();
    if (std::find(addresses.begin(), addresses.end(), address.value()) != addresses.end()) {
      return Status::invalidArgument(address.value().toString() + " is listed twice");
    }
    addresses.push_back(std::move(address.value()));
  }
  return addresses;
}

AddressRotation::AddressRotation(std::vector<BrokerAddress> addresses)
    : addresses_(std::move(addresses)) {}

bool AddressRotation::moveOn() {
  index_ = (index_ + 1) % addresses_.size();
  if (++failuresInTurn_ < addresses_.size()) return false;
  failuresInTurn_ = 0;
  return true;
}

}  // namespace cpe::brokers::rabbitmq
