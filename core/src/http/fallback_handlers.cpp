#include "cpe/http/fallback_handlers.h"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include "cpe/http/json_response.h"
#include "cpe/json_answer.h"

namespace cpe::http {
namespace {

// These handlers never read the body; a kept-alive connection would then
// parse the unread body as the next request.
void closeIfBodyUnread(const Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) {
  const bool hasBody = request.getChunkedTransferEncoding() ||
                       (request.hasContentLength() && request.getContentLength64() > 0);
  if (hasBody) response.setKeepAlive(false);
}

}  // namespace

void NotFoundHandler::handleRequest(Poco::Net::HTTPServerRequest& request,
                                    Poco::Net::HTTPServerResponse& response) {
  closeIfBodyUnread(request, response);
  sendMessage(response, 404, messages::kNotFound);
}

void MethodNotAllowedHandler::handleRequest(Poco::Net::HTTPServerRequest& request,
                                            Poco::Net::HTTPServerResponse& response) {
  closeIfBodyUnread(request, response);
  response.set("Allow", allow_);
  sendMessage(response, 405, messages::kMethodNotAllowed);
}

}  // namespace cpe::http
