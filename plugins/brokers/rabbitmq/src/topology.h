#pragma once

#include <amqp.h>

#include <string>

#include "cpe/sdk/status.h"
#include "rabbitmq_options.h"

namespace cpe::brokers::rabbitmq {

// The plugin's queues, declared on every (re)connect since RabbitMQ-C has no
// recovery of its own: the dead-letter queue, then the tasks and results
// queues, which dead-letter through the default exchange into it. All are
// durable and non-exclusive (quorum queues allow nothing else). Declaring
// fails with PRECONDITION_FAILED if a queue exists with other arguments.
Status declareTopology(amqp_connection_state_t connection, amqp_channel_t channel,
                       const RabbitOptions& options);

// basic.qos with `prefetch` unsettled deliveries, then basic.consume with
// manual acknowledgement, on a channel of its own.
Status startConsumer(amqp_connection_state_t connection, amqp_channel_t channel,
                     const std::string& queue, int prefetch);

}  // namespace cpe::brokers::rabbitmq
