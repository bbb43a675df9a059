#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <chrono>

#include "fault_mode.h"
#include "outcome_policy.h"
#include "request_holder.h"
#include "stub_metrics.h"

namespace cpe::stub {

// State every request handler of the stub shares; outlives the listeners.
struct StubContext {
  std::chrono::duration<double> delay;
  OutcomePolicy& policy;
  RequestHolder& holder;
  StubMetrics& metrics;
  FaultMode faultMode = FaultMode::kNone;  // how answers are spoilt, for fault tests
};

// Routes the stub's paths:
//   POST /api/v1/equipment/cpe/{id}  provisioning, answered after the delay
//   GET  /stats                      hold counters as JSON
//   GET  /metrics                    the same and more, Prometheus text format
//   GET  /healthz                    200 while serving
// and answers 404/405 for anything else, as api-contract.md says.
class StubHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit StubHandlerFactory(const StubContext& context) : context_(context) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest& request) override;

 private:
  const StubContext context_;
};

}  // namespace cpe::stub
