#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

namespace cpe::host::api {

// What B's API records of each request it answers:
//   cpe_api_requests_total{route,code}            every request
// Thread rule: record() is called from every server thread at once.
class RequestMetrics {
 public:
  explicit RequestMetrics(prometheus::Registry& metrics);

  void record(const char* route, int status);

 private:
  prometheus::Family<prometheus::Counter>& requests_;
};

}  // namespace cpe::host::api
