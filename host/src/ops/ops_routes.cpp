#include "ops/ops_routes.h"

#include <Poco/Net/HTTPRequest.h>

#include "cpe/server/http/fallback_handlers.h"
#include "cpe/server/http/metrics_handler.h"
#include "ops/health_handlers.h"

namespace cpe::host::ops {

std::optional<OpsRoute> matchOpsRoute(const std::string& path) {
  if (path == "/healthz") return OpsRoute{"healthz", auth::Need::kNothing};
  if (path == "/readyz") return OpsRoute{"readyz", auth::Need::kOpsRead};
  if (path == "/metrics") return OpsRoute{"metrics", auth::Need::kOpsRead};
  return std::nullopt;
}

Poco::Net::HTTPRequestHandler* routeOps(const OpsContext& context, const std::string& path,
                                        const std::string& method, const char*& route) {
  const auto matched = matchOpsRoute(path);
  if (!matched) return nullptr;
  route = matched->name;
  if (method != Poco::Net::HTTPRequest::HTTP_GET) return new http::MethodNotAllowedHandler("GET");
  if (path == "/healthz") return new HealthHandler;
  if (path == "/readyz") {
    return new ReadinessHandler(context.store, context.broker, context.retryAfterSeconds);
  }
  return new http::MetricsHandler(context.metrics);
}

}  // namespace cpe::host::ops
