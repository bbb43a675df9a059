#pragma once

#include <amqp.h>

#include <string_view>

#include "cpe/sdk/status.h"

namespace cpe::brokers::rabbitmq {

// THE mapping of RabbitMQ-C's errors to cpe::Status; nothing else in the
// plugin chooses a status code for a library or server error.
//
// Network trouble (refused, closed, reset, timeouts, missed heartbeats, a
// broker shutting down) is kUnavailable. A server refusal that retrying
// cannot fix (ACCESS_REFUSED, PRECONDITION_FAILED such as a queue declared
// with other arguments, NOT_ALLOWED for a missing vhost) is kInvalidArgument
// with the server's reply text; protocol and library faults are kInternal.
// `what` names the operation ("login", "declare queue cpe.tasks").
Status toStatus(const amqp_rpc_reply_t& reply, std::string_view what);

// A library status code (the int most RabbitMQ-C calls return) as a reply,
// so that it goes through the same mapping.
amqp_rpc_reply_t libraryReply(int code);

}  // namespace cpe::brokers::rabbitmq
