#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "cpe/sdk/status.h"

namespace cpe::brokers::proton_amqp {

// The URLs of `text`: amqp:// or amqps:// URLs separated by commas, spaces
// around them ignored; at least one, none twice. On a malformed list,
// kInvalidArgument whose message says which entry is wrong and why (without
// the key: the caller names it).
Result<std::vector<std::string>> parseUrlList(std::string_view text);

// Which server the next connection goes to. Each failed attempt (a connect
// that failed, or a connection lost) moves on to the next URL, round robin;
// a reconnect backs off only once every URL has failed in turn, so losing
// one node of a cluster costs a reconnect, not a backoff. The same rule as
// the rabbitmq plugin's AddressRotation.
//
// Thread rule: the container thread only.
class UrlRotation final {
 public:
  // `urls` holds at least one URL.
  explicit UrlRotation(std::vector<std::string> urls);

  const std::string& current() const { return urls_[index_]; }
  std::size_t index() const { return index_; }
  std::size_t size() const { return urls_.size(); }

  // The current URL failed: the next one becomes current. True when that
  // completes a turn, every URL having failed once since the turn began:
  // time to back off before trying again.
  bool moveOn();
  // A connection got its links: a new turn starts at the current URL.
  void restartTurn() { failuresInTurn_ = 0; }

 private:
  std::vector<std::string> urls_;
  std::size_t index_ = 0;
  std::size_t failuresInTurn_ = 0;
};

}  // namespace cpe::brokers::proton_amqp
