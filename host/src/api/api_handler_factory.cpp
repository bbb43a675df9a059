#include "api/api_handler_factory.h"

#include <Poco/Net/HTTPServerRequest.h>

#include <chrono>
#include <memory>
#include <variant>

#include "api/counted_handler.h"
#include "api/device_history_handler.h"
#include "api/task_handlers.h"
#include "cpe/api_paths.h"
#include "cpe/server/http/fallback_handlers.h"
#include "cpe/wait_seconds.h"
#include "ops/ops_routes.h"

namespace cpe::host::api {
namespace {

using Poco::Net::HTTPRequest;
using Poco::Net::HTTPRequestHandler;

// A status request that asks to wait answers when its task ends or its N
// seconds pass: how long it takes is the client's choice.
bool asksToWait(const std::string& uri) {
  const auto wait = parseWaitSeconds(uri);
  const auto* seconds = std::get_if<std::chrono::seconds>(&wait);
  return seconds != nullptr && *seconds > std::chrono::seconds::zero();
}

// The handler for `request`; in `name` the route it counts under, and in
// `timed` whether its duration is observed.
HTTPRequestHandler* route(const ApiContext& context, const Poco::Net::HTTPServerRequest& request,
                          const char*& name, bool& timed) {
  name = "other";
  timed = true;
  const auto path = decodedPath(request.getURI());
  if (!path) return new http::NotFoundHandler;
  const std::string& method = request.getMethod();

  if (const auto equipment = matchEquipmentPath(*path)) {
    if (equipment->taskId) {
      name = "task_status";
      if (method != HTTPRequest::HTTP_GET) return new http::MethodNotAllowedHandler("GET");
      timed = !asksToWait(request.getURI());
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
  bool timed = true;
  std::unique_ptr<HTTPRequestHandler> handler(route(context_, request, name, timed));
  return new CountedHandler(context_.requests, name, timed, std::move(handler));
}

}  // namespace cpe::host::api
