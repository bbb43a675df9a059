#include "content_assembler.h"

#include <algorithm>
#include <utility>

namespace cpe::brokers::rabbitmq {
namespace {

// Reserve no more than this up front: the size comes from the wire.
constexpr std::uint64_t kMaxReserve = 1 << 20;

std::string textOf(amqp_bytes_t bytes) {
  return std::string(static_cast<const char*>(bytes.bytes), bytes.len);
}

}  // namespace

void ContentAssembler::beginDeliver(const amqp_basic_deliver_t& deliver) {
  reset();
  message_.deliveryTag = deliver.delivery_tag;
  message_.redelivered = deliver.redelivered != 0;
  message_.routingKey = textOf(deliver.routing_key);
  state_ = State::kAwaitHeader;
}

void ContentAssembler::beginReturn(const amqp_basic_return_t& returned) {
  reset();
  message_.isReturn = true;
  message_.routingKey = textOf(returned.routing_key);
  message_.replyText = textOf(returned.reply_text);
  state_ = State::kAwaitHeader;
}

ContentAssembler::Step ContentAssembler::onContent(const amqp_frame_t& frame) {
  if (frame.frame_type == AMQP_FRAME_HEADER) return onHeader(frame);
  if (frame.frame_type == AMQP_FRAME_BODY) return onBody(frame);
  return Step::kProtocolError;
}

ContentAssembler::Step ContentAssembler::onHeader(const amqp_frame_t& frame) {
  if (state_ != State::kAwaitHeader || frame.payload.properties.class_id != AMQP_BASIC_CLASS) {
    return Step::kProtocolError;
  }
  const auto* properties =
      static_cast<const amqp_basic_properties_t*>(frame.payload.properties.decoded);
  if (properties != nullptr && (properties->_flags & AMQP_BASIC_MESSAGE_ID_FLAG) != 0) {
    message_.messageId = textOf(properties->message_id);
  }
  bodySize_ = frame.payload.properties.body_size;
  message_.body.reserve(static_cast<std::size_t>(std::min(bodySize_, kMaxReserve)));
  state_ = State::kAwaitBody;
  return bodySize_ == 0 ? Step::kComplete : Step::kNeedMore;
}

ContentAssembler::Step ContentAssembler::onBody(const amqp_frame_t& frame) {
  const amqp_bytes_t fragment = frame.payload.body_fragment;
  if (state_ != State::kAwaitBody || message_.body.size() + fragment.len > bodySize_) {
    return Step::kProtocolError;
  }
  message_.body.append(static_cast<const char*>(fragment.bytes), fragment.len);
  return message_.body.size() == bodySize_ ? Step::kComplete : Step::kNeedMore;
}

IncomingMessage ContentAssembler::take() {
  IncomingMessage message = std::move(message_);
  reset();
  return message;
}

void ContentAssembler::reset() {
  state_ = State::kIdle;
  bodySize_ = 0;
  message_ = IncomingMessage{};
}

}  // namespace cpe::brokers::rabbitmq
