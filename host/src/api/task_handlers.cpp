#include "api/task_handlers.h"

#include <Poco/Logger.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <chrono>
#include <variant>

#include "api/task_wait.h"
#include "auth/audit_log.h"
#include "cpe/equipment_id.h"
#include "cpe/json_answer.h"
#include "cpe/log_fields.h"
#include "cpe/provisioning_request.h"
#include "cpe/server/http/bounded_body.h"
#include "cpe/server/http/json_response.h"
#include "cpe/wait_seconds.h"

namespace cpe::host::api {
namespace {

constexpr const char* kIdempotencyKeyHeader = "Idempotency-Key";

// Sends a task-endpoint answer: the body's code and the HTTP status line as
// the configured policy relates them.
void answer(const ApiContext& context, Poco::Net::HTTPServerResponse& response, int code,
            const std::string& body) {
  const StatusLine line = statusLineFor(context.statusLinePolicy, code);
  if (!line.withBody) {
    response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(line.httpStatus));
    response.setContentLength(0);
    response.send();
    return;
  }
  http::sendJson(response, line.httpStatus, body);
}

void answerMessage(const ApiContext& context, Poco::Net::HTTPServerResponse& response, int code,
                   std::string_view message) {
  answer(context, response, code, jsonAnswer(code, message));
}

// The store could not be reached (or failed): 503 tells the client to retry.
// A refusal: its real status line under every status-line policy
// (api-contract.md), so clients and load balancers see it. The log line
// names the task (when known) and the device asked about.
void answerStoreError(const ApiContext& context, Poco::Net::HTTPServerResponse& response,
                      const Status& status, std::string_view taskId, std::string_view deviceId) {
  FieldLog(Poco::Logger::get("api"), taskId, deviceId).warning("store: %s", status.toString());
  response.set("Retry-After", std::to_string(context.retryAfterSeconds));
  http::sendMessage(response, 503, answers::kUnavailable);
}

}  // namespace

void CreateTaskHandler::handleRequest(Poco::Net::HTTPServerRequest& request,
                                      Poco::Net::HTTPServerResponse& response) {
  const auth::PostAudit audit(request, caller_, equipmentId_);
  const PostOutcome outcome = createTask(request, response);
  if (outcome.code == 200) {
    audit.accepted(outcome.taskIdOrReason);
  } else {
    audit.refused(outcome.code, outcome.taskIdOrReason);
  }
}

CreateTaskHandler::PostOutcome CreateTaskHandler::createTask(
    Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
  const auto refuse = [&](int code, std::string message) {
    answerMessage(context_, response, code, message);
    return PostOutcome{code, std::move(message)};
  };
  if (!isValidEquipmentId(equipmentId_)) {
    if (!http::discardBody(request)) response.setKeepAlive(false);
    return refuse(404, std::string(answers::kEquipmentNotFound));
  }
  const http::BoundedBody body = http::readBoundedBody(request, kMaxRequestBodyBytes);
  if (body.outcome != http::BoundedBody::Outcome::kRead) {
    response.setKeepAlive(false);
    if (body.outcome == http::BoundedBody::Outcome::kLengthRequired) {
      // A refusal of the request's form: its real status line under every
      // status-line policy (api-contract.md).
      http::sendMessage(response, 411, answers::kLengthRequired);
      return {411, std::string(answers::kLengthRequired)};
    }
    if (body.outcome == http::BoundedBody::Outcome::kCutOff) {
      return refuse(408, std::string(answers::kBodyCutOff));
    }
    return refuse(413,
                  "body must be at most " + std::to_string(kMaxRequestBodyBytes) + " bytes");
  }
  // The parse error names a field, never a value: it may be audited.
  const auto parsed = ProvisioningRequest::parse(body.bytes);
  if (const auto* error = std::get_if<RequestError>(&parsed)) {
    return refuse(error->httpStatus, error->message);
  }
  const auto& provisioning = std::get<ProvisioningRequest>(parsed);
  if (!request.has(kIdempotencyKeyHeader)) {
    const auto task = context_.service.create(equipmentId_, provisioning);
    if (!task.isOk()) {
      answerStoreError(context_, response, task.status(), {}, equipmentId_);
      return {503, "store: " + task.status().toString()};
    }
    context_.tasksCreated.Increment();
    answer(context_, response, 200, taskIdAnswer(task.value().id));
    return {200, task.value().id};
  }
  const std::string& key = request.get(kIdempotencyKeyHeader);
  if (!isValidIdempotencyKey(key)) {
    return refuse(400, std::string(kIdempotencyKeyHeader) + " must be 1 to " +
                           std::to_string(kMaxIdempotencyKeyLength) +
                           " printable ASCII characters");
  }
  const auto created = context_.service.createWithKey(equipmentId_, provisioning, key);
  if (!created.isOk()) {
    answerStoreError(context_, response, created.status(), {}, equipmentId_);
    return {503, "store: " + created.status().toString()};
  }
  // Tells a retrying client this answer is the first request's, as RFC
  // drafts for Idempotency-Key and common APIs do.
  if (created.value().replayed) {
    response.set("Idempotent-Replayed", "true");
    context_.tasksReplayed.Increment();
  } else {
    context_.tasksCreated.Increment();
  }
  answer(context_, response, 200, taskIdAnswer(created.value().task.id));
  return {200, created.value().task.id};
}

void TaskStatusHandler::handleRequest(Poco::Net::HTTPServerRequest& request,
                                      Poco::Net::HTTPServerResponse& response) {
  if (!isValidEquipmentId(equipmentId_)) {
    answerMessage(context_, response, 404, answers::kEquipmentNotFound);
    return;
  }
  if (!isTaskIdForm(taskId_)) {
    answerMessage(context_, response, 404, answers::kTaskNotFound);
    return;
  }
  const auto parsedWait = parseWaitSeconds(request.getURI());
  if (const auto* error = std::get_if<RequestError>(&parsedWait)) {
    answerMessage(context_, response, error->httpStatus, error->message);
    return;
  }
  const std::chrono::seconds wait = std::get<std::chrono::seconds>(parsedWait);
  // Held until the answer is sent: a stopping host waits for it (HostRuntime).
  const WaitSlots::Slot slot =
      wait > std::chrono::seconds::zero() ? context_.waitSlots.tryTake() : WaitSlots::Slot();
  const auto task = slot.taken()
                        ? awaitTaskStatus(context_.service, context_.taskWatch, equipmentId_,
                                          taskId_, wait, context_.waitPollInterval)
                        : context_.service.find(equipmentId_, taskId_);
  if (!task.isOk()) {
    if (task.status().code() == StatusCode::kNotFound) {
      answerMessage(context_, response, 404, answers::kTaskNotFound);
    } else {
      answerStoreError(context_, response, task.status(), taskId_, equipmentId_);
    }
    return;
  }
  const StatusAnswer status = statusAnswerFor(task.value());
  answerMessage(context_, response, status.code, status.message);
}

}  // namespace cpe::host::api
