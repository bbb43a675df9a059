#pragma once

#include <Poco/Logger.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <functional>
#include <thread>

#include "cpe/sdk/status.h"
#include "cpe/sdk/task_store.h"
#include "host_options.h"
#include "stop_signal.h"

namespace cpe::host {

// Keeps the store from growing for ever: at start and then every
// checkInterval, deletes the tasks that finished more than store.retentionDays
// ago (and idempotency keys as old), in batches of `batch` with a pause
// between them, so that new tasks, which share the store's writer, wait
// for one small batch at most. Queued tasks are never deleted. Hosts that
// share a store take turns (the store's deleteFinishedBefore); a store
// plugin built before SDK 6.3 keeps everything, said once in the log.
//
// Thread rule: start() and stop() from one thread; sweepOnce() from tests.
class RetentionSweeper {
 public:
  using Clock = std::function<EpochMillis()>;
  RetentionSweeper(TaskStore& store, const RetentionOptions& options,
                   prometheus::Registry& metrics, Clock clock = nowMillis);
  ~RetentionSweeper();

  void start();
  void stop();

  // One sweep: batches until nothing older is left, an error, or stop.
  // What it deleted in all; for tests and the log.
  DeletedRows sweepOnce();

 private:
  void run();

  TaskStore& store_;
  const RetentionOptions options_;
  const Clock clock_;
  Poco::Logger& log_;
  prometheus::Counter& deletedTasks_;
  StopSignal stop_;
  bool unsupported_ = false;  // the store cannot delete: stop trying
  std::thread thread_;
};

}  // namespace cpe::host
