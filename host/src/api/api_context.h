#pragma once

#include "api/status_line_policy.h"
#include "cpe/metrics.h"
#include "cpe/sdk/broker.h"
#include "cpe/sdk/task_store.h"
#include "cpe/task_service.h"

namespace cpe::host::api {

// What B's request handlers share; owned by the application, outlives the
// listeners.
struct ApiContext {
  TaskService& service;
  TaskStore& store;  // for readiness
  Broker& broker;    // for readiness
  StatusLinePolicy statusLinePolicy;
  int retryAfterSeconds;
  metrics::Registry& metrics;       // for GET /metrics and the request counts
  metrics::Counter& tasksCreated;   // a POST stored a new task
  metrics::Counter& tasksReplayed;  // a POST repeated an Idempotency-Key
};

}  // namespace cpe::host::api
