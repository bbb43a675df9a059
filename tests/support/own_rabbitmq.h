#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "running_services.h"

namespace cpe::testing {

// A RabbitMQ node of one test's own, on free loopback ports, with the AMQP
// 1.0 plugin: for faults that must not reach other tests sharing the
// machine's node (a resource alarm left set, a node killed). Starting takes
// about as long as the shared node's (5-10 s); the destructor stops it and
// removes its files. OwnRabbitMqCluster joins three of them.
class OwnRabbitMq {
 public:
  OwnRabbitMq();  // throws std::runtime_error if the node does not come up in 90 s
  ~OwnRabbitMq();
  OwnRabbitMq(const OwnRabbitMq&) = delete;
  OwnRabbitMq& operator=(const OwnRabbitMq&) = delete;

  std::uint16_t port() const { return port_; }
  const std::string& nodeName() const { return node_; }

  // Runs `rabbitmqctl -n <node> <arguments>`; throws if it fails.
  void control(const std::string& arguments) const;
  // The same, answering what it printed.
  std::string query(const std::string& arguments) const;

  // Makes this node a member of `first`'s cluster (stop_app, join_cluster,
  // start_app). Both run as the rabbitmq user, so they share its Erlang
  // cookie, which is all clustering asks.
  void joinCluster(const OwnRabbitMq& first);

  // Stops the node's Erlang VM cleanly (rabbitmqctl stop), as an operator
  // would, and waits until it has exited.
  void stop();
  // SIGKILLs the node's Erlang VM, as a crash or the OOM killer would, and
  // waits until its port is closed.
  void kill();
  // Starts the node again on the same ports and data (durable queues and
  // persistent messages come back); returns once it serves.
  void start();

  // The -D settings that point `backends.broker` at this node.
  std::vector<std::string> brokerDefines(const Backends& backends) const;

 private:
  void awaitPortClosed(const std::string& after);
  void removeNode() noexcept;

  std::string dir_;
  std::string node_;
  std::string environment_;  // the RABBITMQ_* variables of this node
  std::uint16_t port_ = 0;
};

}  // namespace cpe::testing
