#include "host_metrics.h"

namespace cpe::host {

metrics::Counter& deadLetteredCounter(metrics::Registry& metrics, const char* queue) {
  return metrics.counter("cpe_messages_dead_lettered_total",
                         "Messages moved to the dead-letter queue as unprocessable, by queue.",
                         {{"queue", queue}});
}

}  // namespace cpe::host
