#pragma once

#include <Poco/Net/HTTPRequestHandler.h>

#include <string>

#include "api/api_context.h"

namespace cpe::host::api {

// POST /api/v1/equipment/cpe/{id}: validates, stores the task and answers
// {"code":200,"taskId":…} at once, without waiting for A or the broker.
class CreateTaskHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  CreateTaskHandler(const ApiContext& context, std::string equipmentId)
      : context_(context), equipmentId_(std::move(equipmentId)) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override;

 private:
  const ApiContext& context_;
  const std::string equipmentId_;
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
