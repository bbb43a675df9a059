#pragma once

#include <Poco/Logger.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cpe/circuit_breaker.h"
#include "cpe/credential_sealer.h"
#include "cpe/retry_policy.h"
#include "cpe/sdk/broker.h"
#include "cpe/sdk/mutex.h"
#include "cpe/sdk/task_store.h"
#include "cpe/sdk/thread_annotations.h"
#include "delivery_queue.h"
#include "host_options.h"
#include "stop_signal.h"
#include "worker/call_deadlines.h"
#include "worker/provisioning_caller.h"

namespace cpe::host {

// The worker role: takes task messages from the broker, calls A for each on
// one of `threads` threads, and publishes the result. The task message is
// acknowledged only after the broker has confirmed the result, so a crash at
// any point leaves the task on its queue to be done again (at least once).
//
// Retries towards A (connection failures, timeouts, 502/503/504) back off
// exponentially with full jitter within the retry budget; a circuit breaker
// shared by the threads makes them wait while A is down, one probe at a time.
// When the budget is spent, or the task has been held for maxHold (so that
// RabbitMQ's consumer timeout never takes it back), the task fails with
// "Internal provisioning exception" and a log line giving the reason.
//
// Thread rule: the broker's thread only pushes deliveries into the queue;
// all work, A calls included, happens on the pool's threads.
class WorkerPool {
 public:
  // `store` is optional: when this process has one, a task that is already
  // terminal there (a redelivery or a duplicate publish) is acknowledged
  // without calling A again.
  // Counts go to `metrics`: calls to A and their durations by outcome, tasks
  // finished by status, task messages dead-lettered.
  // `newCaller` makes each thread's line to A, `threads` times in start(),
  // on the thread calling it; empty means the HTTPS ProvisioningClient for
  // options.serviceUrl (unit tests pass a scripted A).
  // `sealer` opens sealed parameters (task messages version 2) just before
  // the first call to A; without one, or when they do not open, such a task
  // fails without a call.
  WorkerPool(Broker& broker, const WorkerOptions& options, prometheus::Registry& metrics,
             TaskStore* store = nullptr, ProvisioningCallerFactory newCaller = {},
             const CredentialSealer* sealer = nullptr);
  ~WorkerPool();

  // Registers the tasks consumer (before broker.start()) and starts threads.
  Status start();
  // Takes no new task, lets tasks in flight finish (result confirmed, task
  // acknowledged) for up to `grace`, then cuts the calls still running short
  // and hands their tasks back to the broker (requeue): nothing is lost.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds::zero());

  // For gauges; any thread.
  int tasksInFlight();
  bool breakerOpen() { return breaker_.state() != CircuitBreaker::State::kClosed; }

 private:
  using Clock = std::chrono::steady_clock;

  void run(ProvisioningCaller& caller);
  void process(ProvisioningCaller& caller, const Delivery& delivery);
  // The task's result; none if its delivery was lost with its connection
  // before a call (the broker delivers it again, to be done there).
  std::optional<TaskResult> callWithRetries(ProvisioningCaller& caller, const Task& task,
                                            const Delivery& delivery);
  // Sleeps `wait` if the task may still wait that long; false if it may not
  // (budget or hold spent) or the pool is stopping.
  bool mayWait(Clock::time_point firstCall, Clock::time_point holdEnds,
               std::chrono::milliseconds wait);
  void noteCallOutcome(bool answered, const std::string& reason,
                       std::chrono::duration<double> took);
  std::string heldTooLong(const std::string& lastFailure) const;
  bool alreadyTerminal(const Task& task);
  // The task with its parameters in the clear and checked as the API checks
  // them; nullopt (logged) when sealed parameters cannot be opened.
  std::optional<Task> opened(const Task& task) const;
  // A task is in flight from the moment a thread takes it until its
  // delivery is settled.
  void taskTaken();
  void taskSettled();

  Broker& broker_;
  TaskStore* const store_;  // may be null
  const CredentialSealer* const sealer_;  // may be null
  prometheus::Counter& callsAnswered_;
  prometheus::Counter& callsFailed_;
  prometheus::Histogram& callDurationAnswered_;
  prometheus::Histogram& callDurationFailed_;
  prometheus::Family<prometheus::Counter>& finished_;  // by status
  prometheus::Counter& deadLettered_;
  prometheus::Counter& abandoned_;
  const WorkerOptions options_;
  Poco::Logger& log_;
  RetryPolicy retry_;
  CircuitBreaker breaker_;
  DeliveryQueue queue_;
  StopSignal stop_;
  bool stopped_ = false;  // stop() is called from one thread
  ProvisioningCallerFactory newCaller_;
  CallDeadlines deadlines_;  // bounds whole calls; outlives the callers
  std::vector<std::unique_ptr<ProvisioningCaller>> callers_;
  std::vector<std::thread> threads_;

  Mutex inFlightMutex_;
  std::condition_variable allSettled_;
  int inFlight_ CPE_GUARDED_BY(inFlightMutex_) = 0;
};

}  // namespace cpe::host
