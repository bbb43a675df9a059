#pragma once

#include <amqp.h>
#include <amqp_framing.h>

#include <cstdint>
#include <string>

namespace cpe::brokers::rabbitmq {

// A message the broker sent us: a delivery to a consumer, or a publish it
// returned as unroutable.
struct IncomingMessage {
  bool isReturn = false;
  std::uint64_t deliveryTag = 0;  // deliveries only
  bool redelivered = false;       // deliveries only
  std::string routingKey;
  std::string replyText;  // returns only: why it was returned
  std::string messageId;
  std::string body;
};

// Puts one message together from the frames that carry it on one channel:
// the method (basic.deliver or basic.return), a content header with the
// properties and body size, then body frames until that size is reached.
// Done by hand rather than with amqp_read_message(), which blocks until the
// whole message is in, so that the I/O thread never waits on one channel.
//
// Frame memory belongs to the library until its buffers are released, so
// everything is copied out here.
//
// Thread rule: the I/O thread only; one instance per consuming channel.
class ContentAssembler final {
 public:
  enum class Step { kNeedMore, kComplete, kProtocolError };

  void beginDeliver(const amqp_basic_deliver_t& deliver);
  void beginReturn(const amqp_basic_return_t& returned);
  // A content header or body frame of this channel.
  Step onContent(const amqp_frame_t& frame);
  // The complete message, after onContent() answered kComplete.
  IncomingMessage take();
  void reset();

 private:
  enum class State { kIdle, kAwaitHeader, kAwaitBody };

  Step onHeader(const amqp_frame_t& frame);
  Step onBody(const amqp_frame_t& frame);

  State state_ = State::kIdle;
  std::uint64_t bodySize_ = 0;
  IncomingMessage message_;
};

}  // namespace cpe::brokers::rabbitmq
