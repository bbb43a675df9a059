#include "api/api_handler_factory.h"

#include <Poco/Net/HTTPServerRequest.h>

#include "api/health_handlers.h"
#include "api/task_handlers.h"
#include "cpe/api_paths.h"
#include "cpe/http/fallback_handlers.h"

namespace cpe::host::api {
namespace {

using Poco::Net::HTTPRequest;

}  // namespace

Poco::Net::HTTPRequestHandler* ApiHandlerFactory::createRequestHandler(
    const Poco::Net::HTTPServerRequest& request) {
  const auto path = decodedPath(request.getURI());
  if (!path) return new http::NotFoundHandler;
  const std::string& method = request.getMethod();

  if (const auto equipment = matchEquipmentPath(*path)) {
    if (equipment->taskId) {
      if (method != HTTPRequest::HTTP_GET) return new http::MethodNotAllowedHandler("GET");
      return new TaskStatusHandler(context_, equipment->equipmentId, *equipment->taskId);
    }
    if (method != HTTPRequest::HTTP_POST) return new http::MethodNotAllowedHandler("POST");
    return new CreateTaskHandler(context_, equipment->equipmentId);
  }
  if (*path == "/healthz" || *path == "/readyz") {
    if (method != HTTPRequest::HTTP_GET) return new http::MethodNotAllowedHandler("GET");
    if (*path == "/healthz") return new HealthHandler;
    return new ReadinessHandler(context_);
  }
  return new http::NotFoundHandler;
}

}  // namespace cpe::host::api
