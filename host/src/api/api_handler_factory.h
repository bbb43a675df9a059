#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include "api/api_context.h"

namespace cpe::host::api {

// Routes B's paths; every request gets a handler (404/405 included):
//   POST /api/v1/equipment/cpe/{id}              create a task
//   GET  /api/v1/equipment/cpe/{id}/task/{task}  a task's status
//   GET  /api/v1/equipment/cpe/{id}/tasks        the device's history
//   GET  /healthz                                 200 while serving
//   GET  /readyz                                  200 when store and broker answer
//   GET  /metrics                                 Prometheus text format
// Each request is counted by route and status, and timed by route
// (RequestMetrics).
class ApiHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit ApiHandlerFactory(const ApiContext& context) : context_(context) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest& request) override;

 private:
  const ApiContext& context_;
};

}  // namespace cpe::host::api
