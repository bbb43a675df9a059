#pragma once

#include <amqp.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cpe/sdk/broker.h"
#include "cpe/sdk/consumers.h"
#include "cpe/sdk/status.h"
#include "rabbitmq_options.h"

namespace cpe::brokers::rabbitmq {

// Channel 1 publishes in confirm mode; each consumer has a channel of its
// own so that its prefetch and a channel error stay its own; counts have
// one too, since counting a missing queue closes the channel (404).
inline constexpr amqp_channel_t kPublishChannel = 1;
inline amqp_channel_t consumerChannel(QueueRole queue) {
  return queue == QueueRole::kTasks ? 2 : 3;
}
inline constexpr amqp_channel_t kCountChannel = 4;

using plugin::ConsumerSpec;

// One AMQP connection and every RabbitMQ-C call made on it: open (socket,
// login, topology, confirm mode, consumers), publish, settle, read frames,
// close, with one node of the broker. It owns the amqp_connection_state_t and
// destroys it.
//
// Thread rule: one thread only (the plugin's I/O thread); RabbitMQ-C
// connections are not thread-safe.
class AmqpSession final {
 public:
  AmqpSession(const RabbitOptions& options, const BrokerAddress& address);
  ~AmqpSession();
  AmqpSession(const AmqpSession&) = delete;
  AmqpSession& operator=(const AmqpSession&) = delete;

  // Connects, logs in with heartbeats as `connectionName` (shown by
  // rabbitmqctl and the management UI), declares the topology, puts the
  // publish channel in confirm mode and starts `consumers`. Each step is
  // bounded by connectTimeoutMs.
  Status open(const std::string& connectionName, const std::vector<ConsumerSpec>& consumers);
  // Declares the topology again, e.g. after a queue went missing.
  Status redeclare();

  int socketFd() const;
  // Whether the socket's send buffer takes `bytes` more without the library
  // blocking in a write: writes are sent only then, so a broker that stops
  // reading us (a resource alarm) can never hold the I/O thread. A frame
  // larger than the whole buffer goes out once it is empty.
  bool canSend(std::size_t bytes) const;
  // Frames the library already holds (queued during an RPC, or bytes read
  // but not decoded): read them before polling the socket.
  bool hasBufferedInput() const;

  // The next frame, without waiting; `got` is false when none is ready. Also
  // sends a heartbeat when one is due, and fails once the broker's have
  // stopped. The frame's memory lasts until releaseBuffers().
  Status readFrame(amqp_frame_t& frame, bool& got);
  void releaseBuffers();

  // A persistent, mandatory publish through the default exchange.
  Status publish(const std::string& queue, const std::string& messageId, const std::string& body);
  Status settle(amqp_channel_t channel, std::uint64_t deliveryTag, Settlement how);
  // channel.open, and a passive queue.declare (its declare-ok carries the
  // queue's ready message count), sent without waiting for the reply:
  // readFrame() returns it.
  Status sendChannelOpen(amqp_channel_t channel);
  Status sendPassiveDeclare(amqp_channel_t channel, const std::string& queue);

  // Answers a close the server sent; the connection is unusable afterwards.
  void answerClose(amqp_channel_t channel, amqp_method_number_t closeMethod);
  // connection.close and its close-ok, bounded by connectTimeoutMs; the
  // broker requeues every unsettled delivery. Skipped on a broken connection.
  void close();

 private:
  Status fail(int code, const std::string& what);
  // The connection's socket: plain TCP, or TLS as the options say (CA,
  // verification, client certificate), owned by the connection.
  Result<amqp_socket_t*> newSocket();

  const RabbitOptions& options_;
  const BrokerAddress& address_;
  amqp_connection_state_t connection_;
  bool usable_ = false;  // logged in and no I/O error since
};

}  // namespace cpe::brokers::rabbitmq
