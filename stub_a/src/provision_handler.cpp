#include "provision_handler.h"

#include <Poco/Logger.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/StreamSocket.h>

#include <string>
#include <thread>
#include <variant>

#include "cpe/equipment_id.h"
#include "cpe/json_answer.h"
#include "cpe/log_fields.h"
#include "cpe/log_text.h"
#include "cpe/provisioning_request.h"
#include "cpe/server/http/bounded_body.h"
#include "cpe/server/http/json_response.h"

namespace cpe::stub {
namespace {

// What a proxy's error page or a confused server might send: not JSON.
constexpr std::string_view kGarbageBody = "<html><body>502 upstream gone fishing</body></html>";
// A response head cut off in the middle of a header.
constexpr std::string_view kCutOffHead = "HTTP/1.1 200 OK\r\nContent-Type: appl";

std::string_view messageOf(Outcome outcome) {
  switch (outcome) {
    case Outcome::kSuccess:
      return answers::kSuccess;
    case Outcome::kEquipmentNotFound:
      return answers::kEquipmentNotFound;
    case Outcome::kProvisioningFailure:
      return answers::kProvisioningFailed;
  }
  return answers::kProvisioningFailed;
}

}  // namespace

void ProvisionHandler::handleRequest(Poco::Net::HTTPServerRequest& request,
                                     Poco::Net::HTTPServerResponse& response) {
  context_.holder.countReceived();
  if (!isValidEquipmentId(equipmentId_)) {
    if (!http::discardBody(request)) response.setKeepAlive(false);
    answer(response, 404, answers::kEquipmentNotFound);
    return;
  }

  const http::BoundedBody body = http::readBoundedBody(request, kMaxRequestBodyBytes);
  if (body.outcome != http::BoundedBody::Outcome::kRead) {
    response.setKeepAlive(false);
    if (body.outcome == http::BoundedBody::Outcome::kLengthRequired) {
      answer(response, 411, answers::kLengthRequired);
    } else if (body.outcome == http::BoundedBody::Outcome::kCutOff) {
      answer(response, 408, answers::kBodyCutOff);
    } else {
      answer(response, 413,
             "body must be at most " + std::to_string(kMaxRequestBodyBytes) + " bytes");
    }
    return;
  }
  const auto parsed = ProvisioningRequest::parse(body.bytes);
  if (const auto* error = std::get_if<RequestError>(&parsed)) {
    answer(response, error->httpStatus, error->message);
    return;
  }

  if (!context_.holder.hold(context_.delay)) {
    answer(response, 503, answers::kUnavailable);
    return;
  }
  if (context_.faultMode != FaultMode::kNone) {
    answerFault(request, response);
    return;
  }
  const Outcome outcome = context_.policy.decide(equipmentId_);
  answer(response, httpStatusOf(outcome), messageOf(outcome));
}

void ProvisionHandler::answerFault(Poco::Net::HTTPServerRequest& request,
                                   Poco::Net::HTTPServerResponse& response) {
  switch (context_.faultMode) {
    case FaultMode::kGarbage:
    case FaultMode::kBadStatus: {
      const int status = context_.faultMode == FaultMode::kGarbage ? 200 : 418;
      response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
      response.setContentType("text/html");
      response.sendBuffer(kGarbageBody.data(), kGarbageBody.size());
      answered(status, faultModeName(context_.faultMode));
      return;
    }
    case FaultMode::kClose:
    case FaultMode::kDrop: {
      // Written past Poco's response object, so the caller gets a cut-off
      // head (or nothing) and then the end of the stream, as from a crash.
      auto& socket = dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(request).socket();
      if (context_.faultMode == FaultMode::kClose) {
        socket.sendBytes(kCutOffHead.data(), static_cast<int>(kCutOffHead.size()));
      }
      socket.shutdown();
      response.setKeepAlive(false);
      answered(0, context_.faultMode == FaultMode::kClose ? "connection closed mid-answer"
                                                          : "connection closed unanswered");
      return;
    }
    case FaultMode::kDrip: {
      // A's documented success, written past Poco's response object a byte
      // at a time: every read of the caller gets something well within its
      // socket timeout, the whole answer takes far longer.
      const std::string body = R"({"code":200,"message":")" + std::string(answers::kSuccess) +
                               R"("})";
      const std::string whole = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                "Content-Length: " +
                                std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
                                body;
      auto& socket = dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(request).socket();
      try {
        for (const char byte : whole) {
          socket.sendBytes(&byte, 1);
          std::this_thread::sleep_for(kDripInterval);
        }
        socket.shutdown();
      } catch (const Poco::Exception&) {
        // The caller gave up and closed: what it should do.
      }
      response.setKeepAlive(false);
      answered(200, "dripped a byte at a time");
      return;
    }
    case FaultMode::kNone:
      break;
  }
}

void ProvisionHandler::answer(Poco::Net::HTTPServerResponse& response, int httpStatus,
                              std::string_view message) {
  http::sendMessage(response, httpStatus, message);
  answered(httpStatus, message);
}

void ProvisionHandler::answered(int httpStatus, std::string_view what) {
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started_;
  context_.holder.countAnswer(httpStatus);
  context_.metrics.answered(httpStatus, took);
  const std::string device = sanitizeForLog(equipmentId_);
  withDevice(Poco::Logger::get("stub"), device)
      .information("POST cpe/%s -> %d %s (%.3f s)", device, httpStatus, std::string(what),
                   took.count());
}

}  // namespace cpe::stub
