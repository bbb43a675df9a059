#include "topology.h"

#include <amqp_framing.h>

#include <iterator>

#include "amqp_errors.h"

namespace cpe::brokers::rabbitmq {
namespace {

amqp_bytes_t bytesOf(const std::string& text) {
  return amqp_bytes_t{text.size(), const_cast<char*>(text.data())};
}

amqp_table_entry_t stringEntry(const char* key, const std::string& value) {
  amqp_table_entry_t entry{};
  entry.key = amqp_cstring_bytes(key);
  entry.value.kind = AMQP_FIELD_KIND_UTF8;
  entry.value.value.bytes = bytesOf(value);
  return entry;
}

Status declareQueue(amqp_connection_state_t connection, amqp_channel_t channel,
                    const std::string& queue, amqp_table_t arguments) {
  amqp_queue_declare(connection, channel, bytesOf(queue), /*passive=*/0, /*durable=*/1,
                     /*exclusive=*/0, /*auto_delete=*/0, arguments);
  return toStatus(amqp_get_rpc_reply(connection), "declare queue " + queue);
}

}  // namespace

Status declareTopology(amqp_connection_state_t connection, amqp_channel_t channel,
                       const RabbitOptions& options) {
  // The default exchange ("") routes by queue name, so no binding is needed.
  const std::string defaultExchange;
  amqp_table_entry_t deadLetterArgs[] = {stringEntry("x-queue-type", options.queueType)};
  amqp_table_entry_t workArgs[] = {
      stringEntry("x-queue-type", options.queueType),
      stringEntry("x-dead-letter-exchange", defaultExchange),
      stringEntry("x-dead-letter-routing-key", options.deadLetterQueue),
  };
  const amqp_table_t deadLetterTable{static_cast<int>(std::size(deadLetterArgs)), deadLetterArgs};
  const amqp_table_t workTable{static_cast<int>(std::size(workArgs)), workArgs};

  if (Status declared = declareQueue(connection, channel, options.deadLetterQueue, deadLetterTable);
      !declared.isOk()) {
    return declared;
  }
  for (const std::string* queue : {&options.tasksQueue, &options.resultsQueue}) {
    if (Status declared = declareQueue(connection, channel, *queue, workTable); !declared.isOk()) {
      return declared;
    }
  }
  return Status::ok();
}

Status startConsumer(amqp_connection_state_t connection, amqp_channel_t channel,
                     const std::string& queue, int prefetch) {
  amqp_basic_qos(connection, channel, /*prefetch_size=*/0, static_cast<std::uint16_t>(prefetch),
                 /*global=*/0);
  if (Status qos = toStatus(amqp_get_rpc_reply(connection), "basic.qos on " + queue); !qos.isOk()) {
    return qos;
  }
  // The server names the consumer; we never cancel it ourselves but by
  // closing the connection.
  amqp_basic_consume(connection, channel, bytesOf(queue), amqp_empty_bytes, /*no_local=*/0,
                     /*no_ack=*/0, /*exclusive=*/0, amqp_empty_table);
  return toStatus(amqp_get_rpc_reply(connection), "basic.consume on " + queue);
}

}  // namespace cpe::brokers::rabbitmq
