#pragma once

#include <Poco/Net/HTTPRequestHandler.h>

#include "api/api_context.h"

namespace cpe::host::api {

// GET /healthz: 200 while the process serves.
class HealthHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override;
};

// GET /readyz: 200 when the store and the broker answer, else 503 naming
// which does not.
class ReadinessHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit ReadinessHandler(const ApiContext& context) : context_(context) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override;

 private:
  const ApiContext& context_;
};

}  // namespace cpe::host::api
