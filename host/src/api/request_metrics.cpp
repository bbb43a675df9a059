#include "api/request_metrics.h"

#include <string>

namespace cpe::host::api {

RequestMetrics::RequestMetrics(prometheus::Registry& metrics)
    : requests_(prometheus::BuildCounter()
                    .Name("cpe_api_requests_total")
                    .Help("HTTP requests answered by B's API, by route and status.")
                    .Register(metrics)) {}

void RequestMetrics::record(const char* route, int status) {
  requests_.Add({{"route", route}, {"code", std::to_string(status)}}).Increment();
}

}  // namespace cpe::host::api
