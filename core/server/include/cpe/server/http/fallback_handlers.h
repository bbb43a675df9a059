#pragma once

#include <Poco/Net/HTTPRequestHandler.h>

#include <string>

namespace cpe::http {

// Answers 404 {"code":404,"message":"Not found"} for a path no route knows.
// Request-handler factories return it rather than null, which Poco turns
// into a bare 501.
class NotFoundHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override;
};

// Answers 405 with an Allow header for a known path asked with another method.
class MethodNotAllowedHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit MethodNotAllowedHandler(std::string allow) : allow_(std::move(allow)) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override;

 private:
  std::string allow_;
};

}  // namespace cpe::http
