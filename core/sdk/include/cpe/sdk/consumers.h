#pragma once

#include <string_view>
#include <vector>

#include "cpe/sdk/broker.h"
#include "cpe/sdk/status.h"

namespace cpe::plugin {

// A consumer a broker plugin was asked to run by Broker::consume().
struct ConsumerSpec {
  QueueRole queue = QueueRole::kTasks;
  int prefetch = 0;
  Broker::DeliveryHandler handler;
};

// The most unsettled deliveries a consumer may ask for: AMQP 0-9-1's
// basic.qos prefetch-count is 16 bits, and an AMQP 1.0 credit window that
// large is already a mistake.
inline constexpr int kMaxPrefetch = 65535;

// Checks a consume() call against the port's rules: kInvalidArgument,
// prefixed "<pluginName>: ", for a prefetch outside 1..kMaxPrefetch, a
// missing handler, or a queue that already has one of `registered`.
Status checkNewConsumer(std::string_view pluginName, const std::vector<ConsumerSpec>& registered,
                        QueueRole queue, int prefetch, const Broker::DeliveryHandler& handler);

}  // namespace cpe::plugin
