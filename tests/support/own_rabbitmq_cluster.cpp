#include "own_rabbitmq_cluster.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace cpe::testing {

OwnRabbitMqCluster::OwnRabbitMqCluster() {
  // One after the other: two cores boot three Erlang VMs no faster at once.
  // A node that fails to start or join throws, and those built so far are
  // stopped and removed by their own destructors.
  for (std::size_t i = 0; i < kNodes; ++i) {
    nodes_.push_back(std::make_unique<OwnRabbitMq>());
    if (i > 0) nodes_.back()->joinCluster(*nodes_.front());
  }
}

std::size_t OwnRabbitMqCluster::nodeOnPort(std::uint16_t port) const {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i]->port() == port) return i;
  }
  throw std::runtime_error("no node of the cluster listens on port " + std::to_string(port));
}

int OwnRabbitMqCluster::quorumMembers(const std::string& queue, std::size_t asking) const {
  // One line per queue: its name, a tab, then "[rabbit@a, rabbit@b, ...]".
  std::istringstream lines(node(asking).query("list_queues name members"));
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(queue + "\t", 0) != 0) continue;
    return static_cast<int>(std::count(line.begin(), line.end(), '@'));
  }
  return 0;
}

std::vector<std::string> OwnRabbitMqCluster::brokerDefines(const Backends& backends) const {
  const bool proton = backends.broker == "proton";
  std::string list;
  for (const auto& node : nodes_) {
    list += (list.empty() ? "" : ",") + std::string(proton ? "amqp://" : "") +
            "127.0.0.1:" + std::to_string(node->port());
  }
  return {(proton ? "broker.proton.urls=" : "broker.rabbitmq.addresses=") + list};
}

}  // namespace cpe::testing
