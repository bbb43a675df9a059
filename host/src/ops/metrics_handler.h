#pragma once

#include <Poco/Net/HTTPRequestHandler.h>

#include "cpe/metrics.h"

namespace cpe::host::ops {

// GET /metrics: the process's metrics in the Prometheus text format.
class MetricsHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit MetricsHandler(const metrics::Registry& metrics) : metrics_(metrics) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override;

 private:
  const metrics::Registry& metrics_;
};

}  // namespace cpe::host::ops
