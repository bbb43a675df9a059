#include "api/ops_handler_factory.h"

#include <Poco/Net/HTTPServerRequest.h>

#include "api/health_handlers.h"
#include "api/metrics_handler.h"
#include "cpe/api_paths.h"
#include "cpe/server/http/fallback_handlers.h"

namespace cpe::host::api {

Poco::Net::HTTPRequestHandler* OpsHandlerFactory::createRequestHandler(
    const Poco::Net::HTTPServerRequest& request) {
  const auto path = decodedPath(request.getURI());
  if (!path || (*path != "/healthz" && *path != "/readyz" && *path != "/metrics")) {
    return new http::NotFoundHandler;
  }
  if (request.getMethod() != Poco::Net::HTTPRequest::HTTP_GET) {
    return new http::MethodNotAllowedHandler("GET");
  }
  if (*path == "/healthz") return new HealthHandler;
  if (*path == "/readyz") {
    return new ReadinessHandler(context_.store, context_.broker, context_.retryAfterSeconds);
  }
  return new MetricsHandler(context_.metrics);
}

}  // namespace cpe::host::api
