#pragma once

#include <Poco/Net/HTTPRequestHandler.h>

#include "cpe/metrics.h"

namespace cpe::http {

// GET /metrics: what `sources` collect, in the Prometheus text format. The
// host and the stub route their /metrics to it.
class MetricsHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit MetricsHandler(metrics::Sources sources) : sources_(std::move(sources)) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override;

 private:
  const metrics::Sources sources_;
};

}  // namespace cpe::http
