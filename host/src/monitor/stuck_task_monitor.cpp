#include "monitor/stuck_task_monitor.h"

#include <string>
#include <utility>

namespace cpe::host {
namespace {

constexpr std::size_t kIdsToName = 5;

}  // namespace

StuckTaskMonitor::StuckTaskMonitor(TaskStore& store, const StuckTaskOptions& options,
                                   QueueView queueView)
    : store_(store),
      options_(options),
      queueView_(std::move(queueView)),
      log_(Poco::Logger::get("stuck-tasks")) {}

StuckTaskMonitor::~StuckTaskMonitor() { stop(); }

void StuckTaskMonitor::start() {
  if (options_.checkInterval.count() == 0) return;
  thread_ = std::thread([this] { run(); });
}

void StuckTaskMonitor::stop() {
  stop_.raise();
  if (thread_.joinable()) thread_.join();
}

void StuckTaskMonitor::run() {
  while (stop_.sleepFor(options_.checkInterval)) check();
}

void StuckTaskMonitor::check() {
  const auto ageMs = std::chrono::duration_cast<std::chrono::milliseconds>(options_.age).count();
  const auto queued = store_.queuedBefore(nowMillis() - ageMs, kIdsToName);
  if (!queued.isOk()) {
    log_.warning("cannot count stuck tasks: %s", queued.status().toString());
    return;
  }
  const std::size_t count = queued.value().count;
  const std::size_t before = lastCount_.exchange(count);
  if (count == 0) {
    if (before != 0)
      log_.information("no task queued for longer than %Ld s any more",
                       static_cast<Poco::Int64>(options_.age.count()));
    return;
  }
  std::string oldest;
  for (const auto& id : queued.value().oldestIds) oldest += (oldest.empty() ? "" : ", ") + id;
  log_.warning("%z task(s) queued for longer than %Ld s; oldest: %s; %s", count,
               static_cast<Poco::Int64>(options_.age.count()), oldest, whatTheQueueShows());
}

std::string StuckTaskMonitor::whatTheQueueShows() const {
  const TasksQueueView view = queueView_ ? queueView_() : TasksQueueView{};
  switch (view.state) {
    case TasksQueueView::State::kBacklog:
      return "waiting behind a backlog: the tasks queue holds " + std::to_string(view.ready) +
             " ready message(s)";
    case TasksQueueView::State::kEmpty:
      return "held by workers or lost: the tasks queue holds no ready message (lost ones "
             "are published again after worker.maxHoldSeconds + host.lostTaskMarginSeconds)";
    case TasksQueueView::State::kUncountable:
      return "waiting or lost: the broker plugin cannot count the tasks queue";
    case TasksQueueView::State::kUnknown:
      break;
  }
  return "waiting or lost: the tasks queue has not been counted";
}

}  // namespace cpe::host
