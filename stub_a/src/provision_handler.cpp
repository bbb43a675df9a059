#include "provision_handler.h"

#include <Poco/Logger.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <variant>

#include "cpe/equipment_id.h"
#include "cpe/http/bounded_body.h"
#include "cpe/http/json_response.h"
#include "cpe/json_answer.h"
#include "cpe/log_text.h"
#include "cpe/provisioning_request.h"

namespace cpe::stub {
namespace {

std::string_view messageOf(Outcome outcome) {
  switch (outcome) {
    case Outcome::kSuccess:
      return messages::kSuccess;
    case Outcome::kEquipmentNotFound:
      return messages::kEquipmentNotFound;
    case Outcome::kProvisioningFailure:
      return messages::kProvisioningFailed;
  }
  return messages::kProvisioningFailed;
}

}  // namespace

void ProvisionHandler::handleRequest(Poco::Net::HTTPServerRequest& request,
                                     Poco::Net::HTTPServerResponse& response) {
  context_.holder.countReceived();
  if (!isValidEquipmentId(equipmentId_)) {
    if (!http::discardBody(request)) response.setKeepAlive(false);
    answer(response, 404, messages::kEquipmentNotFound);
    return;
  }

  const auto body = http::readBoundedBody(request, kMaxRequestBodyBytes);
  if (!body) {
    response.setKeepAlive(false);
    answer(response, 413,
           "body must be at most " + std::to_string(kMaxRequestBodyBytes) + " bytes");
    return;
  }
  const auto parsed = ProvisioningRequest::parse(*body);
  if (const auto* error = std::get_if<RequestError>(&parsed)) {
    answer(response, error->httpStatus, error->message);
    return;
  }

  if (!context_.holder.hold(context_.delay)) {
    answer(response, 503, messages::kUnavailable);
    return;
  }
  const Outcome outcome = context_.policy.decide(equipmentId_);
  answer(response, httpStatusOf(outcome), messageOf(outcome));
}

void ProvisionHandler::answer(Poco::Net::HTTPServerResponse& response, int httpStatus,
                              std::string_view message) {
  http::sendMessage(response, httpStatus, message);
  context_.holder.countAnswer(httpStatus);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started_;
  Poco::Logger::get("stub").information("POST cpe/%s -> %d %s (%.3f s)",
                                        sanitizeForLog(equipmentId_), httpStatus,
                                        std::string(message), took.count());
}

}  // namespace cpe::stub
