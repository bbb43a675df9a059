#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include "ops/ops_context.h"

namespace cpe::host::ops {

// The ops endpoint (ops.http.* / ops.https.*), in any role: the routes of
// ops_routes.h and nothing else (404), so probes and Prometheus reach
// worker- and results-only hosts too.
class OpsHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit OpsHandlerFactory(const OpsContext& context) : context_(context) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest& request) override;

 private:
  const OpsContext& context_;
};

}  // namespace cpe::host::ops
