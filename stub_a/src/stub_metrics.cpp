#include "stub_metrics.h"

#include <string>

namespace cpe::stub {
namespace {

// As the host's cpe_a_call_duration_seconds: A's answers come after about
// 60 s (stub.delaySeconds), tests use fractions of a second.
const prometheus::Histogram::BucketBoundaries& durationBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets{0.1, 0.5, 1,  2.5, 5,  10, 20,  30,
                                                               45,  55,  60, 65,  75, 90, 120, 180};
  return buckets;
}

}  // namespace

StubMetrics::StubMetrics(const RequestHolder& holder)
    : requests_(prometheus::BuildCounter()
                    .Name("cpe_stub_requests_total")
                    .Help("Provisioning requests the stub answered, by HTTP status (none: the "
                          "connection was closed without one).")
                    .Register(registry_)),
      durations_(prometheus::BuildHistogram()
                     .Name("cpe_stub_request_duration_seconds")
                     .Help("Time from a provisioning request's arrival to its answer, by HTTP "
                           "status as in cpe_stub_requests_total.")
                     .Register(registry_)) {
  gauges_.add("cpe_stub_requests_held", "Provisioning requests waiting out the delay now.",
              [&holder] { return static_cast<double>(holder.snapshot().held); });
}

void StubMetrics::answered(int httpStatus, std::chrono::duration<double> took) {
  const prometheus::Labels labels{{"code", httpStatus == 0 ? "none" : std::to_string(httpStatus)}};
  requests_.Add(labels).Increment();
  durations_.Add(labels, durationBuckets()).Observe(took.count());
}

}  // namespace cpe::stub
