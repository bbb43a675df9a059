#pragma once

#include <Poco/Net/HTTPRequestHandler.h>

#include <string>

#include "api/api_context.h"

namespace cpe::host::api {

// POST /api/v1/equipment/cpe/{id}: validates, stores the task and answers
// {"code":200,"taskId":…} at once, without waiting for A or the broker.
// Audits the outcome (auth/audit_log.h) under the caller's name.
class CreateTaskHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  CreateTaskHandler(const ApiContext& context, std::string equipmentId, std::string caller)
      : context_(context), equipmentId_(std::move(equipmentId)), caller_(std::move(caller)) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override;

 private:
  // The answer's code and the task id, or why the POST was refused.
  struct PostOutcome {
    int code;
    std::string taskIdOrReason;
  };
  PostOutcome createTask(Poco::Net::HTTPServerRequest& request,
                         Poco::Net::HTTPServerResponse& response);

  const ApiContext& context_;
  const std::string equipmentId_;
  const std::string caller_;  // empty when authentication is off
};

// GET /api/v1/equipment/cpe/{id}/task/{task}: the task's status per the
// contract's table, through the status-line policy. With ?waitSeconds=N it
// answers once the task is terminal or N seconds have passed, the same
// answers; beyond api.maxWaitingRequests waiting requests, at once.
class TaskStatusHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  TaskStatusHandler(const ApiContext& context, std::string equipmentId, std::string taskId)
      : context_(context), equipmentId_(std::move(equipmentId)), taskId_(std::move(taskId)) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override;

 private:
  const ApiContext& context_;
  const std::string equipmentId_;
  const std::string taskId_;
};

}  // namespace cpe::host::api
