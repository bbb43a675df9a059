#include "amqp_session.h"

#include <amqp_framing.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <new>

#include "amqp_errors.h"
#include "topology.h"

namespace cpe::brokers::rabbitmq {
namespace {

// errno's text. strerror() may share its buffer between threads (glibc marks
// it MT-Unsafe); GNU strerror_r returns the text, in `buffer` or not.
std::string errnoText(int error) {
  std::array<char, 256> buffer{};
  return ::strerror_r(error, buffer.data(), buffer.size());
}

amqp_bytes_t bytesOf(const std::string& text) {
  return amqp_bytes_t{text.size(), const_cast<char*>(text.data())};
}

timeval timevalOf(int millis) {
  timeval value{};
  value.tv_sec = millis / 1000;
  value.tv_usec = static_cast<suseconds_t>(millis % 1000) * 1000;
  return value;
}

// What OpenSSL said last on this thread ("certificate verify failed"), for
// the reason of a failed TLS connect; empty if nothing.
std::string lastTlsError() {
  const unsigned long error = ERR_peek_last_error();
  if (error == 0) return {};
  std::array<char, 256> text{};
  ERR_error_string_n(error, text.data(), text.size());
  return text.data();
}

}  // namespace

AmqpSession::AmqpSession(const RabbitOptions& options, const BrokerAddress& address)
    : options_(options), address_(address), connection_(amqp_new_connection()) {
  if (connection_ == nullptr) throw std::bad_alloc();
}

AmqpSession::~AmqpSession() { amqp_destroy_connection(connection_); }

Status AmqpSession::fail(int code, const std::string& what) {
  usable_ = false;
  return toStatus(libraryReply(code), what);
}

Result<amqp_socket_t*> AmqpSession::newSocket() {
  if (!options_.tls) {
    amqp_socket_t* socket = amqp_tcp_socket_new(connection_);
    if (socket == nullptr) return fail(AMQP_STATUS_NO_MEMORY, "create socket");
    return socket;
  }
  amqp_socket_t* socket = amqp_ssl_socket_new(connection_);
  if (socket == nullptr) return fail(AMQP_STATUS_SSL_ERROR, "create TLS socket: " + lastTlsError());
  auto* context = static_cast<SSL_CTX*>(amqp_ssl_socket_get_context(socket));
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  // No read-ahead (OpenSSL's default, said here because the I/O loop relies
  // on it): each read takes one record and hands all of it to the library's
  // buffer, so no input waits inside OpenSSL where poll() cannot see it.
  SSL_CTX_set_read_ahead(context, 0);
  const int trusted = options_.caFile.empty()
                          ? (SSL_CTX_set_default_verify_paths(context) == 1 ? AMQP_STATUS_OK
                                                                            : AMQP_STATUS_SSL_ERROR)
                          : amqp_ssl_socket_set_cacert(socket, options_.caFile.c_str());
  if (trusted != AMQP_STATUS_OK) {
    return fail(trusted, "load the CA certificates " + options_.caFile + ": " + lastTlsError());
  }
  amqp_ssl_socket_set_verify_peer(socket, options_.verifyPeer ? 1 : 0);
  amqp_ssl_socket_set_verify_hostname(socket, options_.verifyPeer ? 1 : 0);
  if (!options_.clientCertificateFile.empty()) {
    const int loaded = amqp_ssl_socket_set_key(socket, options_.clientCertificateFile.c_str(),
                                               options_.clientKeyFile.c_str());
    if (loaded != AMQP_STATUS_OK) {
      return fail(loaded, "load the client certificate " + options_.clientCertificateFile + ": " +
                              lastTlsError());
    }
  }
  return socket;
}

Status AmqpSession::open(const std::string& connectionName,
                         const std::vector<ConsumerSpec>& consumers) {
  const std::string where = address_.toString();
  ERR_clear_error();
  Result<amqp_socket_t*> created = newSocket();
  if (!created.isOk()) return created.status();
  amqp_socket_t* socket = created.value();
  const timeval timeout = timevalOf(options_.connectTimeoutMs);
  // Without these, a broker that accepts TCP but never answers would hold
  // the I/O thread (and stop()) forever.
  amqp_set_handshake_timeout(connection_, &timeout);
  amqp_set_rpc_timeout(connection_, &timeout);

  errno = 0;
  if (int rc = amqp_socket_open_noblock(socket, address_.host.c_str(), address_.port, &timeout);
      rc != AMQP_STATUS_OK) {
    // The library's code says only "socket error"; errno says which, and
    // OpenSSL why a TLS handshake failed.
    const int error = errno;
    const std::string tlsError = options_.tls ? lastTlsError() : std::string();
    std::string why = !tlsError.empty() ? tlsError : error != 0 ? errnoText(error) : "";
    return fail(rc, "connect to " + where + (why.empty() ? "" : " (" + why + ")"));
  }

  // consumer_cancel_notify: a deleted queue cancels our consumer loudly
  // (basic.cancel) instead of silently, so we can reconnect and redeclare.
  // connection.blocked: the broker says when a resource alarm holds our
  // publishes back, so we stop sending them instead of stalling.
  amqp_table_entry_t capabilities[2] = {{}, {}};
  capabilities[0].key = amqp_cstring_bytes("consumer_cancel_notify");
  capabilities[1].key = amqp_cstring_bytes("connection.blocked");
  for (amqp_table_entry_t& capability : capabilities) {
    capability.value.kind = AMQP_FIELD_KIND_BOOLEAN;
    capability.value.value.boolean = 1;
  }
  amqp_table_entry_t properties[2] = {{}, {}};
  properties[0].key = amqp_cstring_bytes("capabilities");
  properties[0].value.kind = AMQP_FIELD_KIND_TABLE;
  properties[0].value.value.table =
      amqp_table_t{static_cast<int>(std::size(capabilities)), capabilities};
  properties[1].key = amqp_cstring_bytes("connection_name");
  properties[1].value.kind = AMQP_FIELD_KIND_UTF8;
  properties[1].value.value.bytes = bytesOf(connectionName);
  const amqp_table_t clientProperties{static_cast<int>(std::size(properties)), properties};

  const amqp_rpc_reply_t login = amqp_login_with_properties(
      connection_, options_.vhost.c_str(), /*channel_max=*/0, AMQP_DEFAULT_FRAME_SIZE,
      options_.heartbeatSeconds, &clientProperties, AMQP_SASL_METHOD_PLAIN,
      options_.username.c_str(), options_.password.c_str());
  if (Status status = toStatus(login, "log in to " + where + " as " + options_.username);
      !status.isOk()) {
    return status;
  }
  usable_ = true;

  amqp_channel_open(connection_, kPublishChannel);
  if (Status status = toStatus(amqp_get_rpc_reply(connection_), "open channel"); !status.isOk()) {
    return status;
  }
  if (Status status = declareTopology(connection_, kPublishChannel, options_); !status.isOk()) {
    return status;
  }
  amqp_confirm_select(connection_, kPublishChannel);
  if (Status status = toStatus(amqp_get_rpc_reply(connection_), "confirm.select"); !status.isOk()) {
    return status;
  }
  for (const ConsumerSpec& consumer : consumers) {
    const amqp_channel_t channel = consumerChannel(consumer.queue);
    amqp_channel_open(connection_, channel);
    if (Status status = toStatus(amqp_get_rpc_reply(connection_), "open channel"); !status.isOk()) {
      return status;
    }
    if (Status status = startConsumer(connection_, channel, options_.queueName(consumer.queue),
                                      consumer.prefetch);
        !status.isOk()) {
      return status;
    }
  }
  return Status::ok();
}

Status AmqpSession::redeclare() { return declareTopology(connection_, kPublishChannel, options_); }

int AmqpSession::socketFd() const { return amqp_get_sockfd(connection_); }

bool AmqpSession::canSend(std::size_t bytes) const {
  const int fd = socketFd();
  int queued = 0;  // bytes the peer has not acknowledged yet
  int capacity = 0;
  socklen_t length = sizeof capacity;
  if (fd < 0 || ::ioctl(fd, TIOCOUTQ, &queued) != 0 ||
      ::getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &capacity, &length) != 0) {
    return true;  // cannot tell: the write itself will report a broken socket
  }
  if (queued <= 0) return true;
  // Linux reports twice the buffer's payload room (the rest is bookkeeping).
  const auto room = static_cast<std::size_t>(std::max(0, capacity / 2 - queued));
  return room >= bytes;
}

bool AmqpSession::hasBufferedInput() const {
  return amqp_frames_enqueued(connection_) != 0 || amqp_data_in_buffer(connection_) != 0;
}

Status AmqpSession::readFrame(amqp_frame_t& frame, bool& got) {
  got = false;
  // One microsecond, not zero: with a zero timeout the library never checks
  // its receive-heartbeat deadline; with any other it answers
  // AMQP_STATUS_HEARTBEAT_TIMEOUT once the broker has been silent for two
  // intervals, and still does not wait (poll() rounds it down to 0 ms).
  timeval almostImmediately{0, 1};
  const int rc = amqp_simple_wait_frame_noblock(connection_, &frame, &almostImmediately);
  if (rc == AMQP_STATUS_TIMEOUT) return Status::ok();
  if (rc != AMQP_STATUS_OK) return fail(rc, "read");
  got = true;
  return Status::ok();
}

void AmqpSession::releaseBuffers() { amqp_maybe_release_buffers(connection_); }

Status AmqpSession::publish(const std::string& queue, const std::string& messageId,
                            const std::string& body) {
  amqp_basic_properties_t properties{};
  properties._flags =
      AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG;
  properties.content_type = amqp_cstring_bytes("application/json");
  properties.delivery_mode = AMQP_DELIVERY_PERSISTENT;
  properties.message_id = bytesOf(messageId);
  // mandatory: an unroutable message (its queue was deleted) comes back as
  // basic.return instead of being confirmed and dropped.
  const int rc = amqp_basic_publish(connection_, kPublishChannel, amqp_empty_bytes, bytesOf(queue),
                                    /*mandatory=*/1, /*immediate=*/0, &properties, bytesOf(body));
  return rc == AMQP_STATUS_OK ? Status::ok() : fail(rc, "publish to " + queue);
}

Status AmqpSession::settle(amqp_channel_t channel, std::uint64_t deliveryTag, Settlement how) {
  int rc = AMQP_STATUS_OK;
  switch (how) {
    case Settlement::kAck:
      rc = amqp_basic_ack(connection_, channel, deliveryTag, /*multiple=*/0);
      break;
    case Settlement::kRequeue:
      rc = amqp_basic_nack(connection_, channel, deliveryTag, /*multiple=*/0, /*requeue=*/1);
      break;
    case Settlement::kDeadLetter:
      // Rejected without requeue, the queue's x-dead-letter-* arguments
      // route it to the dead-letter queue.
      rc = amqp_basic_reject(connection_, channel, deliveryTag, /*requeue=*/0);
      break;
  }
  return rc == AMQP_STATUS_OK ? Status::ok() : fail(rc, "settle");
}

Status AmqpSession::sendChannelOpen(amqp_channel_t channel) {
  amqp_channel_open_t open{};
  open.out_of_band = amqp_empty_bytes;
  const int rc = amqp_send_method(connection_, channel, AMQP_CHANNEL_OPEN_METHOD, &open);
  return rc == AMQP_STATUS_OK ? Status::ok() : fail(rc, "open channel " + std::to_string(channel));
}

Status AmqpSession::sendPassiveDeclare(amqp_channel_t channel, const std::string& queue) {
  amqp_queue_declare_t declare{};
  declare.queue = bytesOf(queue);
  declare.passive = 1;  // only look: a missing queue is an error, not created
  declare.arguments = amqp_empty_table;
  const int rc = amqp_send_method(connection_, channel, AMQP_QUEUE_DECLARE_METHOD, &declare);
  return rc == AMQP_STATUS_OK ? Status::ok() : fail(rc, "count the messages of " + queue);
}

void AmqpSession::answerClose(amqp_channel_t channel, amqp_method_number_t closeMethod) {
  amqp_channel_close_ok_t channelOk{};
  amqp_connection_close_ok_t connectionOk{};
  if (closeMethod == AMQP_CONNECTION_CLOSE_METHOD) {
    amqp_send_method(connection_, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &connectionOk);
    usable_ = false;  // nothing more may be sent on it
    return;
  }
  amqp_send_method(connection_, channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &channelOk);
}

void AmqpSession::close() {
  if (!usable_) return;
  usable_ = false;
  amqp_connection_close(connection_, AMQP_REPLY_SUCCESS);
}

}  // namespace cpe::brokers::rabbitmq
