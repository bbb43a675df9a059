#include "frame_dispatcher.h"

#include <amqp_framing.h>

#include <optional>
#include <string>
#include <utility>

#include "amqp_errors.h"
#include "broker_log.h"

namespace cpe::brokers::rabbitmq {
namespace {

constexpr int kGenerationShift = 48;
constexpr std::uint64_t kDeliveryTagMask = (std::uint64_t{1} << kGenerationShift) - 1;

std::size_t indexOf(QueueRole queue) { return queue == QueueRole::kTasks ? 0 : 1; }

amqp_rpc_reply_t serverReply(const amqp_method_t& method) {
  amqp_rpc_reply_t reply{};
  reply.reply_type = AMQP_RESPONSE_SERVER_EXCEPTION;
  reply.reply = method;
  return reply;
}

}  // namespace

FrameDispatcher::FrameDispatcher(const RabbitOptions& options,
                                 const std::vector<ConsumerSpec>& consumers,
                                 ConfirmTracker& tracker, ReadyCounter& counter,
                                 QueueGoneHook onQueueGone)
    : options_(options),
      consumers_(consumers),
      tracker_(tracker),
      counter_(counter),
      onQueueGone_(std::move(onQueueGone)) {}

void FrameDispatcher::beginConnection() {
  ++generation_;
  for (auto& assembler : assemblers_) assembler.reset();
  for (auto& tags : unsettled_) tags.clear();
  redeclareRequested_ = false;
  blocked_ = false;  // a new connection under an alarm hears of it again at once
}

std::uint16_t FrameDispatcher::generationOf(std::uint64_t tag) {
  return static_cast<std::uint16_t>(tag >> kGenerationShift);
}

bool FrameDispatcher::takeRedeclareRequest() { return std::exchange(redeclareRequested_, false); }

const ConsumerSpec* FrameDispatcher::consumerOn(amqp_channel_t channel) const {
  for (const ConsumerSpec& consumer : consumers_) {
    if (consumerChannel(consumer.queue) == channel) return &consumer;
  }
  return nullptr;
}

Status FrameDispatcher::dispatch(AmqpSession& session, const amqp_frame_t& frame) {
  if (frame.channel >= kChannels) {
    return Status::internal("rabbitmq: frame on unknown channel " + std::to_string(frame.channel));
  }
  switch (frame.frame_type) {
    case AMQP_FRAME_METHOD:
      return onMethod(session, frame);
    case AMQP_FRAME_HEADER:
    case AMQP_FRAME_BODY:
      return onContent(frame);
    default:
      return Status::ok();  // heartbeats are handled inside the library
  }
}

Status FrameDispatcher::onMethod(AmqpSession& session, const amqp_frame_t& frame) {
  const amqp_method_t& method = frame.payload.method;
  switch (method.id) {
    case AMQP_BASIC_ACK_METHOD: {
      const auto* ack = static_cast<const amqp_basic_ack_t*>(method.decoded);
      tracker_.confirm(ack->delivery_tag, ack->multiple != 0, /*ok=*/true);
      return Status::ok();
    }
    case AMQP_BASIC_NACK_METHOD: {
      const auto* nack = static_cast<const amqp_basic_nack_t*>(method.decoded);
      tracker_.confirm(nack->delivery_tag, nack->multiple != 0, /*ok=*/false);
      return Status::ok();
    }
    case AMQP_BASIC_DELIVER_METHOD:
      assemblers_[frame.channel].beginDeliver(
          *static_cast<const amqp_basic_deliver_t*>(method.decoded));
      return Status::ok();
    case AMQP_BASIC_RETURN_METHOD:
      assemblers_[frame.channel].beginReturn(
          *static_cast<const amqp_basic_return_t*>(method.decoded));
      return Status::ok();
    case AMQP_BASIC_CANCEL_METHOD: {
      const ConsumerSpec* consumer = consumerOn(frame.channel);
      const std::string queue = consumer ? options_.queueName(consumer->queue) : "?";
      return Status::unavailable("rabbitmq: the broker cancelled the consumer of " + queue +
                                 " (queue deleted?)");
    }
    case AMQP_CHANNEL_OPEN_OK_METHOD:
      // The other channels are opened by RPCs, which take their open-ok.
      if (frame.channel == kCountChannel) counter_.channelOpened();
      return Status::ok();
    case AMQP_QUEUE_DECLARE_OK_METHOD:
      if (frame.channel == kCountChannel) {
        counter_.answer(static_cast<const amqp_queue_declare_ok_t*>(method.decoded)->message_count);
      }
      return Status::ok();
    case AMQP_CHANNEL_CLOSE_METHOD:
    case AMQP_CONNECTION_CLOSE_METHOD:
      session.answerClose(frame.channel, method.id);
      if (frame.channel == kCountChannel) return onCountChannelClosed(method);
      return toStatus(serverReply(method), "closed by the broker");
    case AMQP_CONNECTION_BLOCKED_METHOD: {
      const auto* blocked = static_cast<const amqp_connection_blocked_t*>(method.decoded);
      blockedReason_.assign(static_cast<const char*>(blocked->reason.bytes), blocked->reason.len);
      if (!blocked_) {
        blockedSince_ = std::chrono::steady_clock::now();
        pluginLog().warning("the broker blocks publishing (" + blockedReason_ +
                            "): new tasks wait in the store until it unblocks");
      }
      blocked_ = true;
      return Status::ok();
    }
    case AMQP_CONNECTION_UNBLOCKED_METHOD:
      if (blocked_) {
        const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
            std::chrono::steady_clock::now() - blockedSince_);
        pluginLog().information("the broker unblocked publishing after " +
                                std::to_string(seconds.count()) + " s");
      }
      blocked_ = false;
      return Status::ok();
    default:
      return Status::ok();
  }
}

Status FrameDispatcher::onCountChannelClosed(const amqp_method_t& close) {
  // Only a count fails: the channel opens again for the next one.
  const Status refused = toStatus(serverReply(close), "count ready messages");
  const std::optional<QueueRole> queue = counter_.channelClosed(refused);
  if (!queue || refused.code() != StatusCode::kNotFound) return Status::ok();
  return onQueueGone(*queue, "a count found none");
}

Status FrameDispatcher::onContent(const amqp_frame_t& frame) {
  ContentAssembler& assembler = assemblers_[frame.channel];
  switch (assembler.onContent(frame)) {
    case ContentAssembler::Step::kNeedMore:
      return Status::ok();
    case ContentAssembler::Step::kProtocolError:
      return Status::internal("rabbitmq: unexpected content frame on channel " +
                              std::to_string(frame.channel));
    case ContentAssembler::Step::kComplete:
      break;
  }
  IncomingMessage message = assembler.take();
  if (message.isReturn) return onReturn(message);
  onDelivery(frame.channel, std::move(message));
  return Status::ok();
}

Status FrameDispatcher::onReturn(const IncomingMessage& message) {
  QueueRole queue = QueueRole::kTasks;
  if (message.routingKey == options_.resultsQueue) {
    queue = QueueRole::kResults;
  } else if (message.routingKey != options_.tasksQueue) {
    return Status::ok();
  }
  tracker_.markReturned(queue, message.messageId, message.replyText);
  return onQueueGone(queue, "a publish to it came back (" + message.replyText + ")");
}

Status FrameDispatcher::onQueueGone(QueueRole queue, const std::string& how) {
  const std::string gone = "queue " + options_.queueName(queue) + " is gone: " + how;
  for (const ConsumerSpec& consumer : consumers_) {
    // RabbitMQ 3.10 sends no basic.cancel when a quorum queue is deleted:
    // our consumer on it died silently. A new connection declares the queue
    // and consumes again.
    if (consumer.queue == queue) return Status::unavailable("rabbitmq: " + gone);
  }
  if (onQueueGone_) onQueueGone_(queue, "rabbitmq: " + gone);
  if (!redeclareRequested_) pluginLog().warning(gone + "; declaring the queues again");
  redeclareRequested_ = true;
  return Status::ok();
}

void FrameDispatcher::onDelivery(amqp_channel_t channel, IncomingMessage message) {
  const ConsumerSpec* consumer = consumerOn(channel);
  if (consumer == nullptr) return;  // cannot happen: we consume only there
  unsettled_[indexOf(consumer->queue)].insert(message.deliveryTag);
  Delivery delivery;
  delivery.queue = consumer->queue;
  delivery.tag =
      (std::uint64_t{generation_} << kGenerationShift) | (message.deliveryTag & kDeliveryTagMask);
  delivery.messageId = std::move(message.messageId);
  delivery.body = std::move(message.body);
  delivery.redelivered = message.redelivered;
  delivery.receivedAt = std::chrono::steady_clock::now();
  pluginLog().callSafely(consumer->handler, std::move(delivery));
}

bool FrameDispatcher::acceptSettle(const SettleCommand& command, std::uint64_t& deliveryTag) {
  if ((command.tag >> kGenerationShift) != generation_) return false;
  deliveryTag = command.tag & kDeliveryTagMask;
  return unsettled_[indexOf(command.queue)].erase(deliveryTag) == 1;
}

}  // namespace cpe::brokers::rabbitmq
