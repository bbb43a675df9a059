#pragma once

#include <prometheus/counter.h>

#include <chrono>

#include "api/request_metrics.h"
#include "api/status_line_policy.h"
#include "api/task_watch.h"
#include "api/wait_slots.h"
#include "auth/access_control.h"
#include "cpe/task_service.h"
#include "ops/ops_context.h"

namespace cpe::host::api {

// What B's request handlers share; owned by the application, outlives the
// listeners.
struct ApiContext {
  TaskService& service;
  const ops::OpsContext& ops;  // /healthz, /readyz and /metrics on the API port
  StatusLinePolicy statusLinePolicy;
  int retryAfterSeconds;
  RequestMetrics& requests;            // counts and times of every request
  prometheus::Counter& tasksCreated;   // a POST stored a new task
  prometheus::Counter& tasksReplayed;  // a POST repeated an Idempotency-Key
  // GET …?waitSeconds=N: the announcements of applied results, the cap on
  // requests waiting at once, and how often a waiting request reads the store.
  TaskWatch& taskWatch;
  WaitSlots& waitSlots;
  std::chrono::milliseconds waitPollInterval;
  // Who may call which route (api.auth.*), checked before any handler runs;
  // /readyz and /metrics need no token when opsOpen.
  auth::AccessControl& access;
  bool opsOpen;
};

}  // namespace cpe::host::api
