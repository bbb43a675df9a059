#include "api/api_handler_factory.h"

#include <Poco/Net/HTTPServerRequest.h>

#include <memory>

#include "api/counted_handler.h"
#include "api/device_history_handler.h"
#include "api/task_handlers.h"
#include "cpe/api_paths.h"
#include "cpe/server/http/fallback_handlers.h"
#include "ops/ops_routes.h"

namespace cpe::host::api {
namespace {

using Poco::Net::HTTPRequest;
using Poco::Net::HTTPRequestHandler;

// The handler for `request`, and in `name` the route it counts under.
HTTPRequestHandler* route(const ApiContext& context, const Poco::Net::HTTPServerRequest& request,
                          const char*& name) {
  name = "other";
  const auto path = decodedPath(request.getURI());
  if (!path) return new http::NotFoundHandler;
  const std::string& method = request.getMethod();

  if (const auto equipment = matchEquipmentPath(*path)) {
    if (equipment->taskId) {
      name = "task_status";
      if (method != HTTPRequest::HTTP_GET) return new http::MethodNotAllowedHandler("GET");
      return new TaskStatusHandler(context, equipment->equipmentId, *equipment->taskId);
    }
    name = "create_task";
    if (method != HTTPRequest::HTTP_POST) return new http::MethodNotAllowedHandler("POST");
    return new CreateTaskHandler(context, equipment->equipmentId);
  }
  if (const auto device = matchHistoryPath(*path)) {
    name = "device_history";
    if (method != HTTPRequest::HTTP_GET) return new http::MethodNotAllowedHandler("GET");
    return new DeviceHistoryHandler(context, *device);
  }
  if (auto* handler = ops::routeOps(context.ops, *path, method, name)) return handler;
  return new http::NotFoundHandler;
}

}  // namespace

HTTPRequestHandler* ApiHandlerFactory::createRequestHandler(
    const Poco::Net::HTTPServerRequest& request) {
  const char* name = nullptr;
  std::unique_ptr<HTTPRequestHandler> handler(route(context_, request, name));
  return new CountedHandler(context_.requests, name, std::move(handler));
}

}  // namespace cpe::host::api
