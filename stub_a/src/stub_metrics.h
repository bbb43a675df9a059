#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>

#include "cpe/metrics.h"
#include "request_holder.h"

namespace cpe::stub {

// The stub's own metrics, served at GET /metrics as the host serves its own:
//   cpe_stub_requests_total{code}             provisioning requests answered, by
//       HTTP status ("none": the connection was closed without one, fault
//       modes close and drop)
//   cpe_stub_request_duration_seconds{code}   from a request's arrival to its
//       answer: the delay for valid requests, next to nothing for refused ones
//   cpe_stub_requests_held (gauge)            requests waiting out the delay now
// Thread rule: answered() is called from every server thread at once.
class StubMetrics {
 public:
  // `holder` outlives this object; it is read at each scrape.
  explicit StubMetrics(const RequestHolder& holder);

  // `httpStatus` 0 for a connection closed without an answer.
  void answered(int httpStatus, std::chrono::duration<double> took);

  metrics::Sources sources() const { return {&registry_, &gauges_}; }

 private:
  prometheus::Registry registry_;
  metrics::CallbackGauges gauges_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
};

}  // namespace cpe::stub
