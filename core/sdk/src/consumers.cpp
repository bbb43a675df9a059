#include "cpe/sdk/consumers.h"

#include <string>

namespace cpe::plugin {

Status checkNewConsumer(std::string_view pluginName, const std::vector<ConsumerSpec>& registered,
                        QueueRole queue, int prefetch, const Broker::DeliveryHandler& handler) {
  const std::string prefix = std::string(pluginName) + ": ";
  if (prefetch < 1 || prefetch > kMaxPrefetch) {
    return Status::invalidArgument(prefix + "prefetch must be 1 to " +
                                   std::to_string(kMaxPrefetch) + ", not " +
                                   std::to_string(prefetch));
  }
  if (!handler) return Status::invalidArgument(prefix + "consume() without a handler");
  for (const ConsumerSpec& consumer : registered) {
    if (consumer.queue == queue) {
      return Status::invalidArgument(prefix + "the " + queueRoleName(queue) +
                                     " queue already has a consumer");
    }
  }
  return Status::ok();
}

}  // namespace cpe::plugin
