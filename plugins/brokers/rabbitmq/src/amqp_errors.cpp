#include "amqp_errors.h"

#include <amqp_framing.h>

#include <string>

namespace cpe::brokers::rabbitmq {
namespace {

std::string textOf(amqp_bytes_t bytes) {
  return std::string(static_cast<const char*>(bytes.bytes), bytes.len);
}

// The server's reply code (AMQP 0-9-1 constants) and text for a
// connection.close or channel.close it sent.
bool closeReason(const amqp_method_t& method, int& code, std::string& text) {
  if (method.id == AMQP_CONNECTION_CLOSE_METHOD && method.decoded != nullptr) {
    const auto* close = static_cast<const amqp_connection_close_t*>(method.decoded);
    code = close->reply_code;
    text = textOf(close->reply_text);
    return true;
  }
  if (method.id == AMQP_CHANNEL_CLOSE_METHOD && method.decoded != nullptr) {
    const auto* close = static_cast<const amqp_channel_close_t*>(method.decoded);
    code = close->reply_code;
    text = textOf(close->reply_text);
    return true;
  }
  return false;
}

StatusCode serverCode(int replyCode) {
  switch (replyCode) {
    case AMQP_CONNECTION_FORCED:  // the broker is shutting down or an operator closed us
    case AMQP_RESOURCE_LOCKED:
    case AMQP_RESOURCE_ERROR:
      return StatusCode::kUnavailable;
    case AMQP_ACCESS_REFUSED:
    case AMQP_PRECONDITION_FAILED:
    case AMQP_NOT_ALLOWED:
      return StatusCode::kInvalidArgument;
    case AMQP_NOT_FOUND:
      return StatusCode::kNotFound;
    default:
      return StatusCode::kInternal;
  }
}

StatusCode libraryCode(int code) {
  switch (code) {
    case AMQP_STATUS_HOSTNAME_RESOLUTION_FAILED:
    case AMQP_STATUS_CONNECTION_CLOSED:
    case AMQP_STATUS_SOCKET_ERROR:
    case AMQP_STATUS_SOCKET_CLOSED:
    case AMQP_STATUS_TIMEOUT:
    case AMQP_STATUS_HEARTBEAT_TIMEOUT:
    case AMQP_STATUS_TCP_ERROR:
    case AMQP_STATUS_SSL_ERROR:
    case AMQP_STATUS_SSL_CONNECTION_FAILED:
      return StatusCode::kUnavailable;
    case AMQP_STATUS_BAD_URL:
    case AMQP_STATUS_INVALID_PARAMETER:
    case AMQP_STATUS_BROKER_UNSUPPORTED_SASL_METHOD:
    case AMQP_STATUS_INCOMPATIBLE_AMQP_VERSION:
    case AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED:
    case AMQP_STATUS_SSL_PEER_VERIFY_FAILED:
      return StatusCode::kInvalidArgument;
    default:
      return StatusCode::kInternal;
  }
}

}  // namespace

amqp_rpc_reply_t libraryReply(int code) {
  amqp_rpc_reply_t reply{};
  reply.reply_type =
      code == AMQP_STATUS_OK ? AMQP_RESPONSE_NORMAL : AMQP_RESPONSE_LIBRARY_EXCEPTION;
  reply.library_error = code;
  return reply;
}

Status toStatus(const amqp_rpc_reply_t& reply, std::string_view what) {
  const std::string prefix = "rabbitmq: " + std::string(what) + ": ";
  switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return Status::ok();
    case AMQP_RESPONSE_NONE:
      return Status::internal(prefix + "no reply from the library");
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return Status(libraryCode(reply.library_error),
                    prefix + amqp_error_string2(reply.library_error));
    case AMQP_RESPONSE_SERVER_EXCEPTION: {
      int code = 0;
      std::string text;
      if (!closeReason(reply.reply, code, text)) {
        return Status::internal(prefix + "unexpected server method " +
                                std::to_string(reply.reply.id));
      }
      return Status(serverCode(code), prefix + text);
    }
  }
  return Status::internal(prefix + "unknown reply type");
}

}  // namespace cpe::brokers::rabbitmq
