#pragma once

#include <Poco/Net/HTTPRequestHandler.h>

#include <string>

#include "stub_handlers.h"

namespace cpe::stub {

// POST /api/v1/equipment/cpe/{id}: validates like the real A, holds a valid
// request for the configured delay, then answers the outcome the policy
// picks. Logs one line per request; never the body, which holds a password.
class ProvisionHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  ProvisionHandler(const StubContext& context, std::string equipmentId)
      : context_(context), equipmentId_(std::move(equipmentId)) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override;

 private:
  // Answers as stub.faultMode says instead of as A would; counts and logs it.
  void answerFault(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
  // Sends the answer, counts it and logs one line for it.
  void answer(Poco::Net::HTTPServerResponse& response, int httpStatus, std::string_view message);
  // Counts an answer sent (/stats, /metrics) and logs one line for it;
  // `httpStatus` 0 when the connection was closed without one.
  void answered(int httpStatus, std::string_view what);

  const StubContext context_;
  const std::string equipmentId_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace cpe::stub
