#include "host_runtime.h"

#include <limits>

#include "api/api_handler_factory.h"
#include "credentials/credential_migration.h"
#include "ops/ops_handler_factory.h"

namespace cpe::host {
namespace {

// For a results-only host, which stores results but never creates tasks.
class NoPublisher final : public TaskPublisher {
 public:
  void reserve(const std::string&) noexcept override {}
  void enqueue(const Task&) noexcept override {}
  void abandon(const std::string&) noexcept override {}
};

// On stop, how long status requests woken from their wait get to read their
// task once and answer before the listeners cut every connection.
constexpr std::chrono::milliseconds kWaitersAnswerLimit{5000};

}  // namespace

HostRuntime::HostRuntime(const HostOptions& options, std::unique_ptr<TaskStore> store,
                         std::unique_ptr<Broker> broker,
                         std::unique_ptr<const CredentialSealer> sealer, Poco::Logger& log)
    : options_(options),
      log_(log),
      store_(std::move(store)),
      sealer_(std::move(sealer)),
      broker_(std::move(broker)) {
  if (store_) {
    TaskPublisher* publisher = nullptr;
    if (options_.roles.api) {
      relay_ = std::make_unique<OutboxRelay>(*store_, *broker_, options_.outbox, metrics_);
      lostTasks_ = std::make_unique<LostTaskReconciler>(*store_, *broker_, options_.lostTasks,
                                                        options_.worker.maxHold, metrics_);
      stuckTasks_ = std::make_unique<StuckTaskMonitor>(*store_, options_.stuckTasks,
                                                       [this] { return lostTasks_->view(); });
      retention_ = std::make_unique<RetentionSweeper>(*store_, options_.retention, metrics_);
      publisher = relay_.get();
    } else {
      noPublisher_ = std::make_unique<NoPublisher>();
      publisher = noPublisher_.get();
    }
    service_ = std::make_unique<TaskService>(
        *store_, *publisher, TaskService::IdGenerator{},
        TaskServiceOptions{
            std::chrono::duration_cast<std::chrono::milliseconds>(options_.api.idempotencyWindow),
            sealer_.get()});
  }
  if (options_.roles.worker) {
    workers_ = std::make_unique<WorkerPool>(*broker_, options_.worker, metrics_, store_.get(),
                                            ProvisioningCallerFactory{}, sealer_.get());
  }
  if (options_.roles.api) {
    waitSlots_ = std::make_unique<api::WaitSlots>(options_.api.maxWaitingRequests);
    requestMetrics_ = std::make_unique<api::RequestMetrics>(metrics_);
  }
  if (options_.roles.results) {
    ResultApplier::AppliedListener announce;
    if (options_.roles.api) {
      announce = [this](const std::string& taskId) { taskWatch_.notifyTerminal(taskId); };
    }
    results_ = std::make_unique<ResultApplier>(*broker_, *service_, options_.results, metrics_,
                                               std::move(announce));
  }
  registerGauges();
}

void HostRuntime::registerGauges() {
  gauges_.add("cpe_build_info", "The running cpe-host's version; always 1.", [] { return 1.0; },
              {{"version", CPE_VERSION}});
  gauges_.add("cpe_broker_up", "1 while the broker plugin is connected and ready, else 0.",
              [this] { return broker_->health().isOk() ? 1.0 : 0.0; });
  gauges_.add("cpe_broker_blocked",
              "1 while the broker holds publishes back (a resource alarm); new tasks wait "
              "in the store meanwhile.",
              [this] { return broker_->blocked() ? 1.0 : 0.0; });
  if (store_) {
    gauges_.add("cpe_store_up", "1 while the task store answers, else 0.",
                [this] { return store_->ping().isOk() ? 1.0 : 0.0; });
  }
  if (relay_) {
    gauges_.add("cpe_outbox_pending_tasks",
                "New tasks handed to the outbox relay and not yet confirmed by the broker.",
                [this] { return static_cast<double>(relay_->pendingCount()); });
  }
  if (waitSlots_) {
    gauges_.add("cpe_api_requests_waiting",
                "Task status requests waiting now for their task to finish (waitSeconds).",
                [this] { return static_cast<double>(waitSlots_->held()); });
  }
  if (lostTasks_) {
    gauges_.add("cpe_broker_tasks_ready",
                "Messages ready in the tasks queue at the last count; NaN when it could "
                "not be counted (AMQP 1.0 cannot).",
                [this] {
                  const TasksQueueView view = lostTasks_->view();
                  const bool counted = view.state == TasksQueueView::State::kBacklog ||
                                       view.state == TasksQueueView::State::kEmpty;
                  return counted ? static_cast<double>(view.ready)
                                 : std::numeric_limits<double>::quiet_NaN();
                });
  }
  if (stuckTasks_) {
    gauges_.add("cpe_tasks_stuck",
                "Tasks still queued after host.stuckTaskAgeSeconds, at the last check.",
                [this] { return static_cast<double>(stuckTasks_->lastCount()); });
  }
  if (workers_) {
    gauges_.add("cpe_worker_tasks_in_flight", "Tasks a worker thread holds right now.",
                [this] { return static_cast<double>(workers_->tasksInFlight()); });
    gauges_.add("cpe_worker_circuit_open",
                "1 while the circuit breaker towards A is open or probing, else 0.",
                [this] { return workers_->breakerOpen() ? 1.0 : 0.0; });
  }
}

HostRuntime::~HostRuntime() { stop(); }

Status HostRuntime::start() {
  // First: the relay's first sweep then finds those tasks sealed and
  // publishes them as version 2 messages.
  if (options_.roles.api && sealer_ && store_) {
    auto migrated = CredentialMigration(*store_, *sealer_).run();
    if (!migrated.isOk()) return migrated.status();
  }
  if (workers_) {
    if (Status started = workers_->start(); !started.isOk()) return started;
  }
  if (results_) {
    if (Status started = results_->start(); !started.isOk()) return started;
  }
  if (Status started = broker_->start(); !started.isOk()) return started;
  if (relay_) relay_->start();
  if (lostTasks_) lostTasks_->start();
  if (stuckTasks_) stuckTasks_->start();
  if (retention_) retention_->start();
  access_ = std::make_unique<auth::AccessControl>(options_.auth);
  opsContext_ = std::make_unique<ops::OpsContext>(
      ops::OpsContext{store_.get(), *broker_, metricSources(), options_.api.retryAfterSeconds,
                      options_.auth.opsPortNeedsToken ? access_.get() : nullptr});
  if (options_.roles.api) {
    apiContext_ = std::make_unique<api::ApiContext>(api::ApiContext{
        *service_, *opsContext_, options_.api.statusLinePolicy, options_.api.retryAfterSeconds,
        *requestMetrics_,
        prometheus::BuildCounter()
            .Name("cpe_tasks_created_total")
            .Help("Tasks stored by POST (200).")
            .Register(metrics_)
            .Add({}),
        prometheus::BuildCounter()
            .Name("cpe_tasks_replayed_total")
            .Help("POSTs answered with the task of an earlier one of the same Idempotency-Key.")
            .Register(metrics_)
            .Add({}),
        taskWatch_, *waitSlots_, options_.api.waitPollInterval, *access_,
        options_.auth.opsOpenOnApiPort});
    servers_ = std::make_unique<http::EndpointServers>(
        config::Endpoints{options_.api.https, options_.api.plainHttp},
        [this] { return new api::ApiHandlerFactory(*apiContext_); }, log_);
  }
  if (options_.ops.https || options_.ops.plainHttp) {
    opsServers_ = std::make_unique<http::EndpointServers>(
        options_.ops, [this] { return new ops::OpsHandlerFactory(*opsContext_); }, log_);
  }
  return Status::ok();
}

void HostRuntime::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (servers_) {
    // Waiting status requests answer now, with what the store holds, rather
    // than after their N seconds. Stopping the listeners cuts every open
    // connection, so it comes once they have answered.
    taskWatch_.stop();
    if (!waitSlots_->awaitNoneHeld(kWaitersAnswerLimit)) {
      log_.warning("stopping with %d status request(s) still answering", waitSlots_->held());
    }
    servers_->stop();
  }
  if (opsServers_) opsServers_->stop();
  if (retention_) retention_->stop();
  if (stuckTasks_) stuckTasks_->stop();
  if (lostTasks_) lostTasks_->stop();
  // The grace period is shared: the relay's last confirms and the workers'
  // last tasks come back from the broker at the same time.
  const auto graceEnds = std::chrono::steady_clock::now() + options_.shutdownGrace;
  auto graceLeft = [&] {
    return std::max(std::chrono::milliseconds::zero(),
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        graceEnds - std::chrono::steady_clock::now()));
  };
  if (relay_) relay_->stop(graceLeft());
  if (workers_) workers_->stop(graceLeft());
  if (results_) results_->stop();
  broker_->stop();
}

std::map<std::string, std::uint16_t> HostRuntime::ports() const {
  std::map<std::string, std::uint16_t> ports;
  if (servers_) ports = servers_->ports();
  if (opsServers_) {
    for (const auto& [name, port] : opsServers_->ports()) ports["ops." + name] = port;
  }
  return ports;
}

}  // namespace cpe::host
