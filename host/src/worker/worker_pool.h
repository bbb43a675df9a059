#pragma once

#include <Poco/Logger.h>

#include <memory>
#include <thread>
#include <vector>

#include "cpe/broker.h"
#include "cpe/retry_policy.h"
#include "cpe/task_store.h"
#include "delivery_queue.h"
#include "host_options.h"
#include "stop_signal.h"
#include "worker/provisioning_client.h"

namespace cpe::host {

// The worker role: takes task messages from the broker, calls A for each on
// one of `threads` threads, and publishes the result. The task message is
// acknowledged only after the broker has confirmed the result, so a crash at
// any point leaves the task on its queue to be done again (at least once).
//
// Retries towards A (connection failures, timeouts, 502/503/504) back off
// exponentially with full jitter within the retry budget; when the budget is
// spent the task fails with "Internal provisioning exception".
//
// Thread rule: the broker's thread only pushes deliveries into the queue;
// all work, A calls included, happens on the pool's threads.
class WorkerPool {
 public:
  // `store` is optional: when this process has one, a task that is already
  // terminal there (a redelivery or a duplicate publish) is acknowledged
  // without calling A again.
  WorkerPool(Broker& broker, const WorkerOptions& options, TaskStore* store = nullptr);
  ~WorkerPool();

  // Registers the tasks consumer (before broker.start()) and starts threads.
  Status start();
  // Stops taking work, cuts calls to A short and hands unfinished tasks back
  // to the broker (requeue): nothing in flight is lost.
  void stop();

 private:
  void run(ProvisioningClient& client);
  void process(ProvisioningClient& client, const Delivery& delivery);
  TaskResult callWithRetries(ProvisioningClient& client, const Task& task);

  bool alreadyTerminal(const Task& task);

  Broker& broker_;
  TaskStore* const store_;  // may be null
  const WorkerOptions options_;
  Poco::Logger& log_;
  RetryPolicy retry_;
  DeliveryQueue queue_;
  StopSignal stop_;
  std::vector<std::unique_ptr<ProvisioningClient>> clients_;
  std::vector<std::thread> threads_;
};

}  // namespace cpe::host
