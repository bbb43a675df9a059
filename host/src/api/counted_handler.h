#pragma once

#include <Poco/Net/HTTPRequestHandler.h>

#include <memory>

#include "api/request_metrics.h"

namespace cpe::host::api {

// Runs another handler, then records the request by route: the status line
// it was answered with and, when `timed`, how long it took.
class CountedHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  CountedHandler(RequestMetrics& metrics, const char* route, bool timed,
                 std::unique_ptr<Poco::Net::HTTPRequestHandler> handler)
      : metrics_(metrics), route_(route), timed_(timed), handler_(std::move(handler)) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override;

 private:
  RequestMetrics& metrics_;
  const char* const route_;
  const bool timed_;
  std::unique_ptr<Poco::Net::HTTPRequestHandler> handler_;
};

}  // namespace cpe::host::api
