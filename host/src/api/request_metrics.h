#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <map>
#include <string>

namespace cpe::host::api {

// What B's API records of each request it answers:
//   cpe_api_requests_total{route,code}            every request
//   cpe_api_request_duration_seconds{route}       from handling to the
//       answer sent, except status requests that asked to wait
//       (waitSeconds): their time is the client's choice, not ours, and
//       cpe_api_requests_waiting shows them instead.
// Thread rule: record() is called from every server thread at once.
class RequestMetrics {
 public:
  // The routes ApiHandlerFactory counts under; their histograms exist from
  // the start, so a route's quantiles need no first request to be read.
  static constexpr const char* kRoutes[] = {
      "create_task", "task_status", "device_history", "healthz", "readyz", "metrics", "other"};

  explicit RequestMetrics(prometheus::Registry& metrics);

  // `took` is observed only when `timed`.
  void record(const char* route, int status, std::chrono::duration<double> took, bool timed);

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
  // By route, made at construction; only read after.
  std::map<std::string, prometheus::Histogram*> durationOf_;
};

}  // namespace cpe::host::api
