#include "monitor/retention_sweeper.h"

#include <chrono>

namespace cpe::host {

RetentionSweeper::RetentionSweeper(TaskStore& store, const RetentionOptions& options,
                                   prometheus::Registry& metrics, Clock clock)
    : store_(store),
      options_(options),
      clock_(std::move(clock)),
      log_(Poco::Logger::get("retention")),
      deletedTasks_(prometheus::BuildCounter()
                        .Name("cpe_tasks_deleted_total")
                        .Help("Finished tasks deleted after store.retentionDays.")
                        .Register(metrics)
                        .Add({})) {}

RetentionSweeper::~RetentionSweeper() { stop(); }

void RetentionSweeper::start() {
  if (options_.days.count() == 0 || options_.checkInterval.count() == 0) return;
  thread_ = std::thread([this] { run(); });
}

void RetentionSweeper::stop() {
  stop_.raise();
  if (thread_.joinable()) thread_.join();
}

void RetentionSweeper::run() {
  do {
    sweepOnce();
  } while (!unsupported_ && stop_.sleepFor(options_.checkInterval));
}

DeletedRows RetentionSweeper::sweepOnce() {
  DeletedRows total;
  const EpochMillis cutOff =
      clock_() - std::chrono::duration_cast<std::chrono::milliseconds>(options_.days).count();
  for (;;) {
    auto deleted = store_.deleteFinishedBefore(cutOff, options_.batch);
    if (!deleted.isOk() && deleted.status().code() == StatusCode::kUnimplemented) {
      unsupported_ = true;
      log_.warning("finished tasks are kept for ever: %s", deleted.status().toString());
      break;
    }
    if (!deleted.isOk()) {
      log_.warning("cannot delete finished tasks (next try in %Ld s): %s",
                   static_cast<Poco::Int64>(options_.checkInterval.count()),
                   deleted.status().toString());
      break;
    }
    total.tasks += deleted.value().tasks;
    total.keys += deleted.value().keys;
    deletedTasks_.Increment(static_cast<double>(deleted.value().tasks));
    const bool more = deleted.value().tasks == options_.batch || deleted.value().keys == options_.batch;
    if (!more || !stop_.sleepFor(options_.pause)) break;
  }
  if (total.tasks != 0 || total.keys != 0) {
    log_.information("deleted %z task(s) finished more than %Ld day(s) ago and %z idempotency "
                     "key(s) as old",
                     total.tasks,
                     static_cast<Poco::Int64>(
                         std::chrono::duration_cast<std::chrono::hours>(options_.days).count() / 24),
                     total.keys);
  }
  return total;
}

}  // namespace cpe::host
