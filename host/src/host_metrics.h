#pragma once

#include "cpe/metrics.h"

namespace cpe::host {

// cpe_messages_dead_lettered_total{queue}: the worker and the results role
// count into the same series, each for its own queue ("tasks", "results").
metrics::Counter& deadLetteredCounter(metrics::Registry& metrics, const char* queue);

}  // namespace cpe::host
