#pragma once

#include <Poco/Logger.h>
#include <prometheus/registry.h>

#include <memory>

#include "api/api_context.h"
#include "api/request_metrics.h"
#include "api/task_watch.h"
#include "api/wait_slots.h"
#include "cpe/credential_sealer.h"
#include "cpe/metrics.h"
#include "cpe/sdk/broker.h"
#include "cpe/sdk/task_store.h"
#include "cpe/server/http/endpoint_servers.h"
#include "cpe/task_service.h"
#include "host_options.h"
#include "monitor/lost_task_reconciler.h"
#include "monitor/retention_sweeper.h"
#include "monitor/stuck_task_monitor.h"
#include "ops/ops_context.h"
#include "outbox/outbox_relay.h"
#include "results/result_applier.h"
#include "worker/worker_pool.h"

namespace cpe::host {

// Everything a running host owns, built for its roles, started and stopped
// in the one order that loses nothing: consumers are registered before the
// broker starts; on the way down the API stops accepting first, work in
// flight is handed back to the broker, and the broker stops last, so every
// confirm callback still finds the object that asked for it.
class HostRuntime {
 public:
  // `sealer` seals new tasks' parameters (api) and opens them (worker);
  // null when security.allowPlaintextCredentials lets them stay in the clear.
  HostRuntime(const HostOptions& options, std::unique_ptr<TaskStore> store,
              std::unique_ptr<Broker> broker, std::unique_ptr<const CredentialSealer> sealer,
              Poco::Logger& log);
  ~HostRuntime();

  // Throws Poco::Exception if a listener cannot start; returns the broker's
  // error if a consumer cannot be registered, and the store's if the API
  // role cannot seal the parameters an earlier version stored in the clear
  // (CredentialMigration), before anything else starts.
  Status start();
  void stop();

  // Ports of the running endpoints: the API's ("https", "http") and the ops
  // endpoint's ("ops.https", "ops.http").
  std::map<std::string, std::uint16_t> ports() const;

 private:
  // The gauges of the parts this host runs, read at each GET /metrics.
  void registerGauges();
  // What GET /metrics answers, on the API port and the ops endpoint.
  metrics::Sources metricSources() const { return {&metrics_, &gauges_}; }

  const HostOptions options_;
  Poco::Logger& log_;
  // Before every part that counts into them, so they outlive them all.
  prometheus::Registry metrics_;
  metrics::CallbackGauges gauges_;
  std::unique_ptr<TaskStore> store_;  // null when no role needs it
  std::unique_ptr<const CredentialSealer> sealer_;  // null: parameters in the clear
  std::unique_ptr<Broker> broker_;
  std::unique_ptr<OutboxRelay> relay_;
  std::unique_ptr<TaskPublisher> noPublisher_;
  std::unique_ptr<TaskService> service_;
  // Before the results role, which announces applied results to it.
  api::TaskWatch taskWatch_;
  std::unique_ptr<api::WaitSlots> waitSlots_;            // role api only
  std::unique_ptr<api::RequestMetrics> requestMetrics_;  // role api only
  std::unique_ptr<auth::AccessControl> access_;  // shared by the API and ops ports
  std::unique_ptr<ops::OpsContext> opsContext_;
  std::unique_ptr<api::ApiContext> apiContext_;
  std::unique_ptr<http::EndpointServers> servers_;
  std::unique_ptr<http::EndpointServers> opsServers_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<ResultApplier> results_;
  std::unique_ptr<LostTaskReconciler> lostTasks_;
  std::unique_ptr<StuckTaskMonitor> stuckTasks_;
  std::unique_ptr<RetentionSweeper> retention_;
  bool stopped_ = false;
};

}  // namespace cpe::host
