#include "stub_handlers.h"

#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <sstream>

#include "cpe/api_paths.h"
#include "cpe/server/http/fallback_handlers.h"
#include "cpe/server/http/json_response.h"
#include "cpe/server/http/metrics_handler.h"
#include "provision_handler.h"

namespace cpe::stub {
namespace {

using Poco::Net::HTTPRequest;

class StatsHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit StatsHandler(const RequestHolder& holder) : holder_(holder) {}

  void handleRequest(Poco::Net::HTTPServerRequest&,
                     Poco::Net::HTTPServerResponse& response) override {
    const RequestHolder::Snapshot counts = holder_.snapshot();
    Poco::JSON::Object answered(Poco::JSON_PRESERVE_KEY_ORDER);
    for (const auto& [status, count] : counts.answered) answered.set(std::to_string(status), count);
    Poco::JSON::Object stats(Poco::JSON_PRESERVE_KEY_ORDER);
    stats.set("held", counts.held);
    stats.set("maxHeld", counts.maxHeld);
    stats.set("received", counts.received);
    stats.set("answered", answered);
    std::ostringstream body;
    stats.stringify(body);
    http::sendJson(response, 200, body.str());
  }

 private:
  const RequestHolder& holder_;
};

class HealthHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(Poco::Net::HTTPServerRequest&,
                     Poco::Net::HTTPServerResponse& response) override {
    http::sendMessage(response, 200, "ok");
  }
};

}  // namespace

Poco::Net::HTTPRequestHandler* StubHandlerFactory::createRequestHandler(
    const Poco::Net::HTTPServerRequest& request) {
  const auto path = decodedPath(request.getURI());
  if (!path) return new http::NotFoundHandler;
  const std::string& method = request.getMethod();

  if (const auto equipment = matchEquipmentPath(*path); equipment && !equipment->taskId) {
    if (method != HTTPRequest::HTTP_POST) return new http::MethodNotAllowedHandler("POST");
    return new ProvisionHandler(context_, equipment->equipmentId);
  }
  if (*path == "/stats") {
    if (method != HTTPRequest::HTTP_GET) return new http::MethodNotAllowedHandler("GET");
    return new StatsHandler(context_.holder);
  }
  if (*path == "/metrics") {
    if (method != HTTPRequest::HTTP_GET) return new http::MethodNotAllowedHandler("GET");
    return new http::MetricsHandler(context_.metrics.sources());
  }
  if (*path == "/healthz") {
    if (method != HTTPRequest::HTTP_GET) return new http::MethodNotAllowedHandler("GET");
    return new HealthHandler;
  }
  return new http::NotFoundHandler;
}

}  // namespace cpe::stub
