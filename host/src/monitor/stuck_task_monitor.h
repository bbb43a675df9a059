#pragma once

#include <Poco/Logger.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>
#include <thread>

#include "cpe/sdk/task_store.h"
#include "host_options.h"
#include "monitor/lost_task_reconciler.h"
#include "stop_signal.h"

namespace cpe::host {

// Makes stuck tasks visible: every checkInterval it asks the store how many
// tasks are still queued though older than `age`, and logs a warning naming
// the oldest while there are any (and once when there are none again).
// Nothing should ever be stuck; a count above zero means a fault to look at
// (A down for longer than the retry budget allows, no worker running, ...).
// The warning says what the broker's tasks queue shows: a backlog the tasks
// wait behind, or no ready message (held by workers, or lost).
//
// Thread rule: start() and stop() from one thread; lastCount() from any.
class StuckTaskMonitor {
 public:
  using QueueView = std::function<TasksQueueView()>;
  StuckTaskMonitor(TaskStore& store, const StuckTaskOptions& options, QueueView queueView);
  ~StuckTaskMonitor();

  void start();
  void stop();

  // The count of the last check that reached the store (for metrics).
  std::size_t lastCount() const { return lastCount_.load(); }

 private:
  void run();
  void check();
  std::string whatTheQueueShows() const;

  TaskStore& store_;
  const StuckTaskOptions options_;
  const QueueView queueView_;
  Poco::Logger& log_;
  StopSignal stop_;
  std::atomic<std::size_t> lastCount_{0};
  std::thread thread_;
};

}  // namespace cpe::host
