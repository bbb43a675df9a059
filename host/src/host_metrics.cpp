#include "host_metrics.h"

namespace cpe::host {

prometheus::Counter& deadLetteredCounter(prometheus::Registry& metrics, const char* queue) {
  return prometheus::BuildCounter()
      .Name("cpe_messages_dead_lettered_total")
      .Help("Messages moved to the dead-letter queue as unprocessable, by queue.")
      .Register(metrics)
      .Add({{"queue", queue}});
}

}  // namespace cpe::host
