#pragma once

#include "auth/access_control.h"
#include "cpe/metrics.h"
#include "cpe/sdk/broker.h"
#include "cpe/sdk/task_store.h"

namespace cpe::host::ops {

// What the operational routes read; owned by the runtime, outlives the
// listeners of the API and of the ops endpoint alike.
struct OpsContext {
  TaskStore* store;  // null in a worker-only host
  Broker& broker;
  metrics::Sources metrics;  // what GET /metrics serializes
  int retryAfterSeconds;     // Retry-After of a 503 from /readyz
  // Checks callers of /readyz and /metrics on the ops port
  // (ops.endpointsNeedToken); null: open to anyone who reaches the port.
  auth::AccessControl* opsPortAccess = nullptr;
};

}  // namespace cpe::host::ops
