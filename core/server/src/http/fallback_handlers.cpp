#include "cpe/server/http/fallback_handlers.h"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include "cpe/json_answer.h"
#include "cpe/server/http/bounded_body.h"
#include "cpe/server/http/json_response.h"

namespace cpe::http {
namespace {

// These handlers have no use for the body, but it must be read: left unread,
// a kept-alive connection would parse it as the next request.
void closeIfBodyUnread(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) {
  if (!discardBody(request)) response.setKeepAlive(false);
}

}  // namespace

void NotFoundHandler::handleRequest(Poco::Net::HTTPServerRequest& request,
                                    Poco::Net::HTTPServerResponse& response) {
  closeIfBodyUnread(request, response);
  sendMessage(response, 404, answers::kNotFound);
}

void MethodNotAllowedHandler::handleRequest(Poco::Net::HTTPServerRequest& request,
                                            Poco::Net::HTTPServerResponse& response) {
  closeIfBodyUnread(request, response);
  response.set("Allow", allow_);
  sendMessage(response, 405, answers::kMethodNotAllowed);
}

}  // namespace cpe::http
