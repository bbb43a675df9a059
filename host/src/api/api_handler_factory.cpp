#include "api/api_handler_factory.h"

#include <Poco/Net/HTTPServerRequest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "api/counted_handler.h"
#include "api/device_history_handler.h"
#include "api/task_handlers.h"
#include "auth/refusal_handler.h"
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

// Picks the handler of one request, once its caller may have it: the route
// it counts under (`name`), whether its duration is observed (`timed`).
class Router {
 public:
  Router(const ApiContext& context, const Poco::Net::HTTPServerRequest& request)
      : context_(context), request_(request) {}

  HTTPRequestHandler* route();
  const char* name = "other";
  bool timed = true;

 private:
  // Null when the caller may go on (its name kept for the handler); else the
  // handler of the refusal. A refused POST of a task is audited for `device`.
  HTTPRequestHandler* refusal(auth::Need need, const std::string* postedDevice = nullptr);

  const ApiContext& context_;
  const Poco::Net::HTTPServerRequest& request_;
  std::string caller_;
};

HTTPRequestHandler* Router::refusal(auth::Need need, const std::string* postedDevice) {
  auth::Verdict verdict = context_.access.check(request_, need);
  if (verdict.allowed()) {
    caller_ = std::move(verdict.caller);
    return nullptr;
  }
  std::optional<std::string> audited;
  if (postedDevice != nullptr) audited = *postedDevice;
  return new auth::RefusalHandler(std::move(verdict), std::move(audited));
}

// A path no route knows: 404 for a known caller (the refusal otherwise, so
// that nobody learns which paths exist without a token).
HTTPRequestHandler* orNotFound(HTTPRequestHandler* refused) {
  return refused != nullptr ? refused : new http::NotFoundHandler;
}

HTTPRequestHandler* Router::route() {
  using auth::Need;
  const auto path = decodedPath(request_.getURI());
  if (!path) return orNotFound(refusal(Need::kCaller));
  const std::string& method = request_.getMethod();
  const bool get = method == HTTPRequest::HTTP_GET;

  if (const auto equipment = matchEquipmentPath(*path)) {
    if (equipment->taskId) {
      name = "task_status";
      if (auto* refused = refusal(get ? Need::kTasksRead : Need::kCaller)) return refused;
      if (!get) return new http::MethodNotAllowedHandler("GET");
      timed = !asksToWait(request_.getURI());
      return new TaskStatusHandler(context_, equipment->equipmentId, *equipment->taskId);
    }
    name = "create_task";
    if (method != HTTPRequest::HTTP_POST) {
      if (auto* refused = refusal(Need::kCaller)) return refused;
      return new http::MethodNotAllowedHandler("POST");
    }
    if (auto* refused = refusal(Need::kTasksWrite, &equipment->equipmentId)) return refused;
    return new CreateTaskHandler(context_, equipment->equipmentId, caller_);
  }
  if (const auto device = matchHistoryPath(*path)) {
    name = "device_history";
    if (auto* refused = refusal(get ? Need::kTasksRead : Need::kCaller)) return refused;
    if (!get) return new http::MethodNotAllowedHandler("GET");
    return new DeviceHistoryHandler(context_, *device);
  }
  if (const auto ops = ops::matchOpsRoute(*path)) {
    name = ops->name;
    if (auto* refused = refusal(context_.opsOpen ? Need::kNothing : ops->need)) return refused;
    return ops::routeOps(context_.ops, *path, method, name);
  }
  return orNotFound(refusal(Need::kCaller));
}

}  // namespace

HTTPRequestHandler* ApiHandlerFactory::createRequestHandler(
    const Poco::Net::HTTPServerRequest& request) {
  Router router(context_, request);
  std::unique_ptr<HTTPRequestHandler> handler(router.route());
  return new CountedHandler(context_.requests, router.name, router.timed, std::move(handler));
}

}  // namespace cpe::host::api
