#include "host_runtime.h"

#include "api/api_handler_factory.h"

namespace cpe::host {
namespace {

// For a results-only host, which stores results but never creates tasks.
class NoPublisher final : public TaskPublisher {
 public:
  void reserve(const std::string&) noexcept override {}
  void enqueue(const Task&) noexcept override {}
  void abandon(const std::string&) noexcept override {}
};

}  // namespace

HostRuntime::HostRuntime(const HostOptions& options, std::unique_ptr<TaskStore> store,
                         std::unique_ptr<Broker> broker, Poco::Logger& log)
    : options_(options), log_(log), store_(std::move(store)), broker_(std::move(broker)) {
  if (store_) {
    TaskPublisher* publisher = nullptr;
    if (options_.roles.api) {
      relay_ = std::make_unique<OutboxRelay>(*store_, *broker_, options_.outbox);
      stuckTasks_ = std::make_unique<StuckTaskMonitor>(*store_, options_.stuckTasks);
      publisher = relay_.get();
    } else {
      noPublisher_ = std::make_unique<NoPublisher>();
      publisher = noPublisher_.get();
    }
    service_ = std::make_unique<TaskService>(
        *store_, *publisher, TaskService::IdGenerator{},
        TaskServiceOptions{
            std::chrono::duration_cast<std::chrono::milliseconds>(options_.api.idempotencyWindow)});
  }
  if (options_.roles.worker) {
    workers_ = std::make_unique<WorkerPool>(*broker_, options_.worker, store_.get());
  }
  if (options_.roles.results) {
    results_ = std::make_unique<ResultApplier>(*broker_, *service_, options_.results);
  }
}

HostRuntime::~HostRuntime() { stop(); }

Status HostRuntime::start() {
  if (workers_) {
    if (Status started = workers_->start(); !started.isOk()) return started;
  }
  if (results_) {
    if (Status started = results_->start(); !started.isOk()) return started;
  }
  if (Status started = broker_->start(); !started.isOk()) return started;
  if (relay_) relay_->start();
  if (stuckTasks_) stuckTasks_->start();
  if (options_.roles.api) {
    apiContext_ = std::make_unique<api::ApiContext>(
        api::ApiContext{*service_, *store_, *broker_, options_.api.statusLinePolicy,
                        options_.api.retryAfterSeconds});
    servers_ = std::make_unique<http::EndpointServers>(
        config::Endpoints{options_.api.https, options_.api.plainHttp},
        [this] { return new api::ApiHandlerFactory(*apiContext_); }, log_);
  }
  return Status::ok();
}

void HostRuntime::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (servers_) servers_->stop();
  if (stuckTasks_) stuckTasks_->stop();
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

std::map<std::string, std::uint16_t> HostRuntime::apiPorts() const {
  return servers_ ? servers_->ports() : std::map<std::string, std::uint16_t>{};
}

}  // namespace cpe::host
