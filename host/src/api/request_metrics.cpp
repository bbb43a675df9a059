#include "api/request_metrics.h"

namespace cpe::host::api {
namespace {

// Answers from the store take milliseconds (p50 2.6 ms under load, README
// "Performance"); a second or more means something waits: the store, a lock,
// a full pool. /readyz asks the store and the broker; 10 s is past any client.
const prometheus::Histogram::BucketBoundaries& requestBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return buckets;
}

}  // namespace

RequestMetrics::RequestMetrics(prometheus::Registry& metrics)
    : requests_(prometheus::BuildCounter()
                    .Name("cpe_api_requests_total")
                    .Help("HTTP requests answered by B's API, by route and status.")
                    .Register(metrics)),
      durations_(prometheus::BuildHistogram()
                     .Name("cpe_api_request_duration_seconds")
                     .Help("Time B's API took to answer, by route; status requests that asked "
                           "to wait (waitSeconds) are left out.")
                     .Register(metrics)) {
  for (const char* route : kRoutes) {
    durationOf_[route] = &durations_.Add({{"route", route}}, requestBuckets());
  }
}

void RequestMetrics::record(const char* route, int status, std::chrono::duration<double> took,
                            bool timed) {
  requests_.Add({{"route", route}, {"code", std::to_string(status)}}).Increment();
  if (!timed) return;
  const auto found = durationOf_.find(route);
  prometheus::Histogram& duration = found != durationOf_.end()
                                        ? *found->second
                                        : durations_.Add({{"route", route}}, requestBuckets());
  duration.Observe(took.count());
}

}  // namespace cpe::host::api
