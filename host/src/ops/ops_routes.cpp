#include "ops/ops_routes.h"

#include <Poco/Net/HTTPRequest.h>

#include "cpe/server/http/fallback_handlers.h"
#include "cpe/server/http/metrics_handler.h"
#include "ops/health_handlers.h"

namespace cpe::host::ops {

Poco::Net::HTTPRequestHandler* routeOps(const OpsContext& context, const std::string& path,
                                        const std::string& method, const char*& route) {
  if (path == "/healthz") {
    route = "healthz";
  } else if (path == "/readyz") {
    route = "readyz";
  } else if (path == "/metrics") {
    route = "metrics";
  } else {
    return nullptr;
  }
  if (method != Poco::Net::HTTPRequest::HTTP_GET) return new http::MethodNotAllowedHandler("GET");
  if (path == "/healthz") return new HealthHandler;
  if (path == "/readyz") {
    return new ReadinessHandler(context.store, context.broker, context.retryAfterSeconds);
  }
  return new http::MetricsHandler(context.metrics);
}

}  // namespace cpe::host::ops
