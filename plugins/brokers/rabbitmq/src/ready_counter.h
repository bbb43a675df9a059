#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

#include "command_queue.h"
#include "cpe/sdk/broker.h"
#include "cpe/sdk/status.h"

namespace cpe::brokers::rabbitmq {

// The counts asked of one connection, from request to answer. A count is a
// passive queue.declare, whose declare-ok carries the queue's ready
// messages (RabbitMQ leaves out those delivered and unacked), sent on a
// channel of its own without waiting: the I/O thread sends, the dispatcher
// hands the replies here.
//
// A channel answers its synchronous methods in order, so a declare-ok
// answers the oldest count sent. A passive declare of a missing queue makes
// the broker close the channel (404): that count is answered with the
// error, and those sent after it, which the broker drops on a closing
// channel, are sent again once the channel is open again. The channel is
// kept apart from the publish channel for that reason: a count never closes
// the channel that carries the confirms.
//
// Thread rule: the I/O thread only. Callbacks run inside these calls.
class ReadyCounter final {
 public:
  // Counts taken and not yet answered, at most; more are refused at once.
  static constexpr std::size_t kMaxPending = 16;

  // Takes a count to send, or answers it kUnavailable when too many wait.
  void add(CountCommand count);

  // The counting channel must be opened before anything can be sent.
  bool needsChannel() const { return channel_ == Channel::kClosed && !waiting_.empty(); }
  void channelOpening() { channel_ = Channel::kOpening; }
  void channelOpened() { channel_ = Channel::kOpen; }

  // The next count to send, or null: none waiting, or the channel not open.
  const CountCommand* nextToSend() const;
  void markSent();

  // declare-ok: the oldest count sent is `ready`.
  void answer(std::uint64_t ready);
  // The broker closed the counting channel (`why`): the oldest count sent
  // (or, when the channel itself was refused, the oldest waiting one) gets
  // `why`; the others wait for the channel to reopen. Returns the queue of
  // the count answered.
  std::optional<QueueRole> channelClosed(const Status& why);

  // Refuses the counts not yet sent (the broker would not read them now).
  void failWaiting(const Status& status);
  // The connection is gone: every count gets `status`, and the channel
  // must be opened again on the next one.
  void failAll(const Status& status);

 private:
  enum class Channel { kClosed, kOpening, kOpen };

  static void refuse(std::deque<CountCommand>& counts, const Status& status);

  std::deque<CountCommand> waiting_;  // taken, not yet sent
  std::deque<CountCommand> sent_;     // sent, oldest first, awaiting declare-ok
  Channel channel_ = Channel::kClosed;
};

}  // namespace cpe::brokers::rabbitmq
