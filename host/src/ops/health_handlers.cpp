#include "ops/health_handlers.h"

#include <Poco/Net/HTTPServerResponse.h>

#include "cpe/log_text.h"
#include "cpe/server/http/json_response.h"

namespace cpe::host::ops {

void HealthHandler::handleRequest(Poco::Net::HTTPServerRequest&,
                                  Poco::Net::HTTPServerResponse& response) {
  http::sendMessage(response, 200, "ok");
}

void ReadinessHandler::handleRequest(Poco::Net::HTTPServerRequest&,
                                     Poco::Net::HTTPServerResponse& response) {
  // Each part names what is down and the plugin's reason (a queue that
  // cannot be declared or consumed, a refused connection): an operator
  // probing sees where to look. Plugins never put secrets in a status.
  std::string notReady;
  if (store_ != nullptr) {
    if (const Status store = store_->ping(); !store.isOk()) {
      notReady = "store unavailable (" + sanitizeForLog(store.message()) + ")";
    }
  }
  if (const Status broker = broker_.health(); !broker.isOk()) {
    notReady += std::string(notReady.empty() ? "" : "; ") + "broker unavailable (" +
                sanitizeForLog(broker.message()) + ")";
  }
  if (!notReady.empty()) {
    response.set("Retry-After", std::to_string(retryAfterSeconds_));
    http::sendMessage(response, 503, "not ready: " + notReady);
    return;
  }
  http::sendMessage(response, 200, "ready");
}

}  // namespace cpe::host::ops
