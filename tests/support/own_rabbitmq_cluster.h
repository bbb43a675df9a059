#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "own_rabbitmq.h"
#include "running_services.h"

namespace cpe::testing {

// A RabbitMQ cluster of one test's own: three OwnRabbitMq nodes on free
// loopback ports, nodes 2 and 3 joined to node 1, so that a quorum queue
// declared while all three run has a replica on each and survives losing
// any one node. For faults that take down the node a host is connected to.
// Starting takes about three times as long as one node; the destructor
// stops every node and removes its files, whatever state it was left in.
class OwnRabbitMqCluster {
 public:
  static constexpr std::size_t kNodes = 3;

  OwnRabbitMqCluster();  // throws std::runtime_error if a node does not come up or join

  // Node i (0, 1 or 2): stop() it cleanly, kill() it, start() it again.
  OwnRabbitMq& node(std::size_t i) { return *nodes_.at(i); }
  const OwnRabbitMq& node(std::size_t i) const { return *nodes_.at(i); }
  // The index of the node on AMQP port `port`; throws if none is.
  std::size_t nodeOnPort(std::uint16_t port) const;

  // How many nodes hold a replica of quorum queue `queue`, as node `asking`
  // sees it (rabbitmqctl list_queues name members).
  int quorumMembers(const std::string& queue, std::size_t asking = 0) const;

  // The -D settings that give `backends.broker` every node's address, node 1
  // first.
  std::vector<std::string> brokerDefines(const Backends& backends) const;

 private:
  std::vector<std::unique_ptr<OwnRabbitMq>> nodes_;
};

}  // namespace cpe::testing
