#include "ops/health_handlers.h"

#include <Poco/Net/HTTPServerResponse.h>

#include "cpe/server/http/json_response.h"

namespace cpe::host::ops {

void HealthHandler::handleRequest(Poco::Net::HTTPServerRequest&,
                                  Poco::Net::HTTPServerResponse& response) {
  http::sendMessage(response, 200, "ok");
}

void ReadinessHandler::handleRequest(Poco::Net::HTTPServerRequest&,
                                     Poco::Net::HTTPServerResponse& response) {
  std::string notReady;
  if (store_ != nullptr && !store_->ping().isOk()) notReady = "store";
  if (!broker_.health().isOk()) notReady += notReady.empty() ? "broker" : " and broker";
  if (!notReady.empty()) {
    response.set("Retry-After", std::to_string(retryAfterSeconds_));
    http::sendMessage(response, 503, "not ready: " + notReady + " unavailable");
    return;
  }
  http::sendMessage(response, 200, "ready");
}

}  // namespace cpe::host::ops
