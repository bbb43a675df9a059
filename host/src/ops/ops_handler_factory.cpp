#include "ops/ops_handler_factory.h"

#include <Poco/Net/HTTPServerRequest.h>

#include "cpe/api_paths.h"
#include "cpe/server/http/fallback_handlers.h"
#include "auth/refusal_handler.h"
#include "ops/ops_routes.h"

namespace cpe::host::ops {

Poco::Net::HTTPRequestHandler* OpsHandlerFactory::createRequestHandler(
    const Poco::Net::HTTPServerRequest& request) {
  const auto path = decodedPath(request.getURI());
  const char* route = nullptr;
  if (!path) return new http::NotFoundHandler;
  const auto matched = matchOpsRoute(*path);
  if (matched && context_.opsPortAccess != nullptr) {
    auth::Verdict verdict = context_.opsPortAccess->check(request, matched->need);
    if (!verdict.allowed()) return new auth::RefusalHandler(std::move(verdict), std::nullopt);
  }
  if (auto* handler = routeOps(context_, *path, request.getMethod(), route)) return handler;
  return new http::NotFoundHandler;
}

}  // namespace cpe::host::ops
