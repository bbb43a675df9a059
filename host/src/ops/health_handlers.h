#pragma once

#include <Poco/Net/HTTPRequestHandler.h>

#include "cpe/sdk/broker.h"
#include "cpe/sdk/task_store.h"

namespace cpe::host::ops {

// GET /healthz: 200 while the process serves.
class HealthHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override;
};

// GET /readyz: 200 when the store (if this process has one) and the broker
// answer, else 503 naming which does not.
class ReadinessHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  ReadinessHandler(TaskStore* store, Broker& broker, int retryAfterSeconds)
      : store_(store), broker_(broker), retryAfterSeconds_(retryAfterSeconds) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override;

 private:
  TaskStore* const store_;  // may be null
  Broker& broker_;
  const int retryAfterSeconds_;
};

}  // namespace cpe::host::ops
