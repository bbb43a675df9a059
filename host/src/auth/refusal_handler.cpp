#include "auth/refusal_handler.h"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include "auth/audit_log.h"
#include "cpe/json_answer.h"
#include "cpe/server/http/bounded_body.h"
#include "cpe/server/http/json_response.h"

namespace cpe::host::auth {

void RefusalHandler::handleRequest(Poco::Net::HTTPServerRequest& request,
                                   Poco::Net::HTTPServerResponse& response) {
  // The body is thrown away unparsed; one too large to skip closes the
  // connection.
  if (!http::discardBody(request)) response.setKeepAlive(false);
  int code = 0;
  std::string_view message;
  switch (verdict_.kind) {
    case Verdict::Kind::kUnauthorized:
      code = 401;
      message = answers::kUnauthorized;
      // RFC 6750 3: how to authenticate, without saying why this one failed.
      response.set("WWW-Authenticate", "Bearer");
      break;
    case Verdict::Kind::kForbidden:
      code = 403;
      message = answers::kForbidden;
      break;
    case Verdict::Kind::kRateLimited:
      code = 429;
      message = answers::kTooManyRequests;
      response.set("Retry-After", std::to_string(verdict_.retryAfter.count()));
      break;
    case Verdict::Kind::kAllowed:
      break;
  }
  if (auditedDevice_) PostAudit(request, verdict_.caller, *auditedDevice_).refused(code, message);
  http::sendMessage(response, code, message);
}

}  // namespace cpe::host::auth
