#pragma once

#include <Poco/Logger.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <condition_variable>
#include <deque>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "cpe/sdk/broker.h"
#include "cpe/sdk/mutex.h"
#include "cpe/sdk/task_store.h"
#include "cpe/sdk/thread_annotations.h"
#include "cpe/task_service.h"
#include "host_options.h"

namespace cpe::host {

// Gets every stored task onto the tasks queue at least once.
//
// Fast path: TaskService hands each new task to enqueue(); the relay thread
// publishes it at once, many confirms in flight, and marks confirmed tasks
// published in batches. Safety net: every sweepInterval the relay asks the
// store for tasks still unpublished (the broker was down, the process died
// before the confirm, the fast-path queue was full) and publishes them again.
// A task can thus be published twice, never zero times; consumers are
// idempotent.
//
// Thread rule: enqueue() from any thread; confirm callbacks arrive on the
// broker's thread; store calls happen only on the relay's own thread.
class OutboxRelay final : public TaskPublisher {
 public:
  // Tasks the sweep publishes are counted in `metrics`.
  OutboxRelay(TaskStore& store, Broker& broker, const OutboxOptions& options,
              prometheus::Registry& metrics);
  ~OutboxRelay() override;

  void start();
  // Publishes what is queued and waits up to `grace` for the confirms of
  // tasks in flight, marking them published, then stops the thread. Tasks
  // still unconfirmed stay unpublished in the store and are swept later.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds::zero());

  void reserve(const std::string& taskId) noexcept override;
  void enqueue(const Task& task) noexcept override;
  void abandon(const std::string& taskId) noexcept override;

  // Tasks handed to the relay and not yet marked published (for a gauge).
  std::size_t pendingCount();

 private:
  void run();
  void publish(const Task& task);
  // The sweep's path: skips tasks the fast path already holds. False, and
  // nothing published, once maxInFlight publishes await their confirm.
  bool publishIfNotPending(const Task& task);
  bool inFlightFullLocked() const CPE_REQUIRES(mutex_);
  void onConfirmed(const std::string& taskId, const Status& status);
  void flushConfirmed();
  // Publishes a batch of old unpublished tasks; true if the batch was full.
  bool sweep();

  TaskStore& store_;
  Broker& broker_;
  const OutboxOptions options_;
  Poco::Logger& log_;
  prometheus::Counter& swept_;

  Mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> queue_ CPE_GUARDED_BY(mutex_);
  // Ids the relay is already handling: queued, published and unconfirmed, or
  // confirmed but not yet marked in the store. The sweep skips them, so a
  // lagging fast path or a confirm racing a sweep query causes no duplicate.
  std::unordered_set<std::string> pending_ CPE_GUARDED_BY(mutex_);
  // Ids of tasks being stored right now (reserve() to enqueue()/abandon()):
  // the sweep skips them too.
  std::unordered_set<std::string> reserved_ CPE_GUARDED_BY(mutex_);
  std::vector<std::string> confirmed_ CPE_GUARDED_BY(mutex_);  // to mark published
  bool draining_ CPE_GUARDED_BY(mutex_) = false;               // stopping: no more sweeps
  bool stopping_ CPE_GUARDED_BY(mutex_) = false;
  std::condition_variable drained_;  // pending_ became empty while draining
  std::thread thread_;
};

}  // namespace cpe::host
