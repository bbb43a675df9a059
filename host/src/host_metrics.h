#pragma once

#include <prometheus/counter.h>
#include <prometheus/registry.h>

namespace cpe::host {

// cpe_messages_dead_lettered_total{queue}: the worker and the results role
// count into the same series, each for its own queue ("tasks", "results").
prometheus::Counter& deadLetteredCounter(prometheus::Registry& metrics, const char* queue);

}  // namespace cpe::host
