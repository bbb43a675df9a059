#include "api/counted_handler.h"

#include <Poco/Net/HTTPServerResponse.h>

namespace cpe::host::api {

void CountedHandler::handleRequest(Poco::Net::HTTPServerRequest& request,
                                   Poco::Net::HTTPServerResponse& response) {
  handler_->handleRequest(request, response);
  metrics_.record(route_, response.getStatus());
}

}  // namespace cpe::host::api
