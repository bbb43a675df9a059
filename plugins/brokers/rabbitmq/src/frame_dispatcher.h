#pragma once

#include <amqp.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_set>
#include <vector>

#include "amqp_session.h"
#include "command_queue.h"
#include "confirm_tracker.h"
#include "content_assembler.h"
#include "cpe/sdk/status.h"
#include "rabbitmq_options.h"
#include "ready_counter.h"

namespace cpe::brokers::rabbitmq {

// What the frames of one connection mean: confirms go to the tracker,
// counts to the counter, deliveries to their consumer's handler; server
// closes and cancels end the connection, but for a close of the counting
// channel, which ends only a count. It also remembers which deliveries are
// unsettled, so that a settle() for a tag of an earlier connection, or one
// settled twice, is dropped here instead of closing the channel with
// PRECONDITION_FAILED.
//
// A publish returned unroutable, or a count that finds no queue (404), means
// the queue was deleted: the queues are declared again, and `onQueueGone`
// tells the connection that consumes that queue to renew itself, since
// RabbitMQ 3.10 deletes a quorum queue without cancelling its consumers (a
// classic queue sends basic.cancel). A consumer-only process therefore
// notices a deleted quorum queue only at its next reconnect; operators
// should not delete queues under running consumers.
//
// connection.blocked and connection.unblocked (a resource alarm) are logged
// and kept: blocked() says whether publishes may be sent.
//
// A Delivery's tag is the broker's delivery tag (48 bits are plenty for
// one channel's life) with the connection's generation in the top 16 bits.
//
// Thread rule: the I/O thread only. Handlers are called from dispatch().
class FrameDispatcher final {
 public:
  using QueueGoneHook = std::function<void(QueueRole queue, const std::string& why)>;

  FrameDispatcher(const RabbitOptions& options, const std::vector<ConsumerSpec>& consumers,
                  ConfirmTracker& tracker, ReadyCounter& counter, QueueGoneHook onQueueGone);

  // A new connection: earlier tags become stale, and it is not blocked.
  void beginConnection();
  // The connection's generation, as the top bits of its deliveries' tags.
  std::uint16_t generation() const { return generation_; }
  static std::uint16_t generationOf(std::uint64_t tag);

  // True between the broker's connection.blocked and connection.unblocked.
  bool blocked() const { return blocked_; }
  const std::string& blockedReason() const { return blockedReason_; }

  // Handles one frame. Not OK when the connection must be given up (the
  // server closed it or a channel, cancelled a consumer, broke the protocol).
  Status dispatch(AmqpSession& session, const amqp_frame_t& frame);

  // True once after a publish came back unroutable or a count found no
  // queue: a queue is missing.
  bool takeRedeclareRequest();

  // The broker's delivery tag for `command`, or false when the settle must
  // be ignored (stale, unknown or already settled).
  bool acceptSettle(const SettleCommand& command, std::uint64_t& deliveryTag);

 private:
  static constexpr int kChannels = 5;  // 0 (connection), publish, tasks, results, count

  Status onMethod(AmqpSession& session, const amqp_frame_t& frame);
  Status onCountChannelClosed(const amqp_method_t& close);
  Status onContent(const amqp_frame_t& frame);
  Status onReturn(const IncomingMessage& message);
  // `queue` was deleted under us (`how` we noticed): not OK when this
  // connection consumes it, else the queues are declared again.
  Status onQueueGone(QueueRole queue, const std::string& how);
  void onDelivery(amqp_channel_t channel, IncomingMessage message);
  const ConsumerSpec* consumerOn(amqp_channel_t channel) const;

  const RabbitOptions& options_;
  const std::vector<ConsumerSpec>& consumers_;
  ConfirmTracker& tracker_;
  ReadyCounter& counter_;
  std::array<ContentAssembler, kChannels> assemblers_;
  std::array<std::unordered_set<std::uint64_t>, 2> unsettled_;  // by QueueRole
  QueueGoneHook onQueueGone_;
  std::uint16_t generation_ = 0;
  bool redeclareRequested_ = false;
  bool blocked_ = false;
  std::string blockedReason_;
  std::chrono::steady_clock::time_point blockedSince_;
};

}  // namespace cpe::brokers::rabbitmq
