#include "ops/metrics_handler.h"

#include <Poco/Net/HTTPServerResponse.h>

#include <string>

namespace cpe::host::ops {

void MetricsHandler::handleRequest(Poco::Net::HTTPServerRequest&,
                                   Poco::Net::HTTPServerResponse& response) {
  const std::string text = metrics_.render();
  response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
  response.setContentType(metrics::Registry::kContentType);
  response.setContentLength(static_cast<std::streamsize>(text.size()));
  response.send() << text;
}

}  // namespace cpe::host::ops
