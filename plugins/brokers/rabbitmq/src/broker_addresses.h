#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "cpe/sdk/status.h"

namespace cpe::brokers::rabbitmq {

// One node of a RabbitMQ cluster, as the plugin dials it.
struct BrokerAddress {
  std::string host;  // a name or an address; IPv6 without its brackets
  int port = 0;

  // "host:port", or "[v6]:port": how logs and errors name the node.
  std::string toString() const;
  bool operator==(const BrokerAddress& other) const {
    return host == other.host && port == other.port;
  }
};

// The nodes of `text`: "host:port" entries separated by commas, spaces
// around them ignored, an IPv6 host in brackets ("[::1]:5672"). At least one
// entry, each port from 1 to 65535, no node twice. On a malformed list,
// kInvalidArgument whose message says which entry is wrong and why (without
// the key: the caller names it).
Result<std::vector<BrokerAddress>> parseBrokerAddresses(std::string_view text);

// Which node a connection tries next. Each failed attempt (a connect that
// failed, or a connection lost) moves on to the next node, round robin; a
// reconnect backs off only once every node has failed in turn, so losing one
// node of a cluster costs a reconnect, not a backoff.
//
// Thread rule: owned by one I/O thread.
class AddressRotation final {
 public:
  // `addresses` holds at least one node.
  explicit AddressRotation(std::vector<BrokerAddress> addresses);

  const BrokerAddress& current() const { return addresses_[index_]; }
  const BrokerAddress& at(std::size_t index) const { return addresses_.at(index); }
  std::size_t index() const { return index_; }
  std::size_t size() const { return addresses_.size(); }

  // The current node failed: the next one becomes current. True when that
  // completes a turn, every node having failed once since the turn began:
  // time to back off before trying again.
  bool moveOn();
  // A connection lasted: a new turn starts at the current node.
  void restartTurn() { failuresInTurn_ = 0; }

 private:
  std::vector<BrokerAddress> addresses_;
  std::size_t index_ = 0;
  std::size_t failuresInTurn_ = 0;
};

}  // namespace cpe::brokers::rabbitmq
