#include "api/counted_handler.h"

#include <Poco/Net/HTTPServerResponse.h>

#include <chrono>

namespace cpe::host::api {

void CountedHandler::handleRequest(Poco::Net::HTTPServerRequest& request,
                                   Poco::Net::HTTPServerResponse& response) {
  const auto started = std::chrono::steady_clock::now();
  handler_->handleRequest(request, response);
  metrics_.record(route_, response.getStatus(), std::chrono::steady_clock::now() - started, timed_);
}

}  // namespace cpe::host::api
