#pragma once

#include <Poco/Logger.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "cpe/retry_policy.h"
#include "cpe/sdk/broker.h"
#include "cpe/task_service.h"
#include "delivery_queue.h"
#include "host_options.h"
#include "stop_signal.h"

namespace cpe::host {

// The results role: applies each result message to its task through
// TaskService, then acknowledges it. The store has the update before the
// ack, so a crash between the two only means a redelivery, which changes
// nothing (terminal states are final).
//
// A result that can never apply (unparseable, or for a task the store does
// not know) is dead-lettered with a log line. While the store is unavailable
// the delivery is held and retried with backoff, never dropped.
class ResultApplier {
 public:
  // Called on an applier thread once a task's result is in the store (not
  // for duplicates); must not block.
  using AppliedListener = std::function<void(const std::string& taskId)>;

  // Counts go to `metrics`: results applied by status, duplicates ignored,
  // result messages dead-lettered; and for each task this applier makes
  // terminal, the time since it was accepted. `onApplied` may be empty.
  ResultApplier(Broker& broker, TaskService& service, const ResultsOptions& options,
                prometheus::Registry& metrics, AppliedListener onApplied = {});
  ~ResultApplier();

  Status start();  // registers the results consumer (before broker.start())
  void stop();     // unfinished deliveries go back to the queue

 private:
  void run();
  void apply(const Delivery& delivery);
  // Observes how long `applied`'s task took from its POST to now, read from
  // the store; skipped if the store cannot say.
  void observeAcceptToTerminal(const TaskResult& applied);

  Broker& broker_;
  TaskService& service_;
  const ResultsOptions options_;
  Poco::Logger& log_;
  prometheus::Family<prometheus::Counter>& applied_;  // by status
  prometheus::Counter& duplicates_;
  prometheus::Counter& deadLettered_;
  // One per terminal status, made at construction; only read after.
  std::map<TaskStatus, prometheus::Histogram*> acceptToTerminal_;
  const AppliedListener onApplied_;
  RetryPolicy retry_;
  DeliveryQueue queue_;
  StopSignal stop_;
  std::vector<std::thread> threads_;
};

}  // namespace cpe::host
