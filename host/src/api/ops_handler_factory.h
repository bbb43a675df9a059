#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include "cpe/metrics.h"
#include "cpe/sdk/broker.h"
#include "cpe/sdk/task_store.h"

namespace cpe::host::api {

// What the ops endpoint's handlers read; owned by the runtime, outlives the
// listeners.
struct OpsContext {
  TaskStore* store;  // null in a worker-only host
  Broker& broker;
  const metrics::Registry& metrics;
  int retryAfterSeconds;
};

// The ops endpoint (ops.http.* / ops.https.*), in any role: GET /healthz,
// /readyz and /metrics as on the API, and nothing else (404), so probes and
// Prometheus reach worker- and results-only hosts too.
class OpsHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit OpsHandlerFactory(const OpsContext& context) : context_(context) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest& request) override;

 private:
  const OpsContext& context_;
};

}  // namespace cpe::host::api
