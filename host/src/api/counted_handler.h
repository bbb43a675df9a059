#pragma once

#include <Poco/Net/HTTPRequestHandler.h>

#include <memory>

#include "api/request_metrics.h"

namespace cpe::host::api {

// Runs another handler, then counts the request by route and the status
// line it was answered with (cpe_api_requests_total).
class CountedHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  CountedHandler(RequestMetrics& metrics, const char* route,
                 std::unique_ptr<Poco::Net::HTTPRequestHandler> handler)
      : metrics_(metrics), route_(route), handler_(std::move(handler)) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override;

 private:
  RequestMetrics& metrics_;
  const char* const route_;
  std::unique_ptr<Poco::Net::HTTPRequestHandler> handler_;
};

}  // namespace cpe::host::api
