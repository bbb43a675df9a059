#pragma once

#include <Poco/Net/HTTPRequestHandler.h>

#include <string>

#include "api/api_context.h"

namespace cpe::host::api {

// GET /api/v1/equipment/cpe/{id}/tasks?limit=L&after=CURSOR: a page of the
// device's tasks, newest first, never their parameters (api-contract.md,
// "Waiting and history"; cpe/device_history.h). A malformed {id} is 404 as
// for a task; a well-formed id with no tasks is 200 with an empty list.
class DeviceHistoryHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  DeviceHistoryHandler(const ApiContext& context, std::string equipmentId)
      : context_(context), equipmentId_(std::move(equipmentId)) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override;

 private:
  const ApiContext& context_;
  const std::string equipmentId_;
};

}  // namespace cpe::host::api
