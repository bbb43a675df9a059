#include "cpe/server/http/metrics_handler.h"

#include <Poco/Net/HTTPServerResponse.h>

#include <string>

namespace cpe::http {

void MetricsHandler::handleRequest(Poco::Net::HTTPServerRequest&,
                                   Poco::Net::HTTPServerResponse& response) {
  const std::string text = metrics::render(sources_);
  response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
  response.setContentType(metrics::kContentType);
  response.setContentLength(static_cast<std::streamsize>(text.size()));
  response.send() << text;
}

}  // namespace cpe::http
