#pragma once

// A silent network partition between this machine's TCP clients and a
// server on loopback, for fault tests: iptables drops every packet of the
// chosen connections both ways, so neither side sees a FIN or an RST, as
// when a cable is pulled or a firewall starts dropping.

#include <string>
#include <vector>

#include "cpe/sdk/status.h"

namespace cpe::testing {

class LoopbackPartition final {
 public:
  // OK when this process can add and remove iptables rules (root, iptables
  // installed and allowed); otherwise kUnavailable saying why, for
  // GTEST_SKIP.
  static Status checkUsable();

  explicit LoopbackPartition(int serverPort) : serverPort_(serverPort) {}
  // Heals: removes every rule cut() added, whatever the test's outcome.
  ~LoopbackPartition();
  LoopbackPartition(const LoopbackPartition&) = delete;
  LoopbackPartition& operator=(const LoopbackPartition&) = delete;

  // Drops the packets of the connection from local port `clientPort` to the
  // server, both ways. Both ports are matched, so no other connection of the
  // machine is touched. kUnavailable with iptables' output if it failed.
  Status cut(int clientPort);

 private:
  const int serverPort_;
  std::vector<std::string> rules_;  // each as given to iptables -I / -D
};

}  // namespace cpe::testing
