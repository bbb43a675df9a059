#include "api/counted_handler.h"

#include <Poco/Net/HTTPServerResponse.h>

#include <string>

namespace cpe::host::api {

void CountedHandler::handleRequest(Poco::Net::HTTPServerRequest& request,
                                   Poco::Net::HTTPServerResponse& response) {
  handler_->handleRequest(request, response);
  metrics_
      .counter("cpe_api_requests_total", "HTTP requests answered by B's API, by route and status.",
               {{"route", route_}, {"code", std::to_string(response.getStatus())}})
      .increment();
}

}  // namespace cpe::host::api
