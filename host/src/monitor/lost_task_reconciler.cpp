#include "monitor/lost_task_reconciler.h"

#include <condition_variable>
#include <memory>
#include <string>
#include <utility>

#include "cpe/json_answer.h"
#include "cpe/log_fields.h"
#include "cpe/sdk/mutex.h"

namespace cpe::host {
namespace {

// Lost tasks handled per check; more wait for the next one.
constexpr std::size_t kBatch = 500;
// How long a count may take before the check gives up on it.
constexpr std::chrono::seconds kCountTimeout{10};
constexpr std::size_t kIdsToName = 5;

std::string someIds(const std::vector<std::string>& ids) {
  std::string named;
  for (std::size_t i = 0; i < ids.size() && i < kIdsToName; ++i) {
    named += (named.empty() ? "" : ", ") + ids[i];
  }
  if (ids.size() > kIdsToName) named += ", ...";
  return named;
}

// A count's answer, handed from the broker's thread to the waiting one. It
// is shared: an answer that comes after the wait gave up finds it alive.
struct PendingCount {
  Mutex mutex;
  std::condition_variable heard;
  std::optional<Result<std::uint64_t>> answer CPE_GUARDED_BY(mutex);
};

}  // namespace

LostTaskReconciler::LostTaskReconciler(TaskStore& store, Broker& broker,
                                       const LostTaskOptions& options, std::chrono::seconds maxHold,
                                       prometheus::Registry& metrics)
    : store_(store),
      broker_(broker),
      options_(options),
      settleTime_(maxHold + options.margin),
      log_(Poco::Logger::get("lost-tasks")),
      republished_(
          prometheus::BuildCounter()
              .Name("cpe_tasks_republished_total")
              .Help("Tasks whose message the broker lost after confirming it, published again.")
              .Register(metrics)
              .Add({})),
      failed_(prometheus::BuildCounter()
                  .Name("cpe_tasks_lost_total")
                  .Help("Tasks failed because the broker lost their message "
                        "host.lostTaskRepublishes + 1 times.")
                  .Register(metrics)
                  .Add({})) {}

LostTaskReconciler::~LostTaskReconciler() { stop(); }

void LostTaskReconciler::start() {
  if (options_.checkInterval.count() == 0) return;
  thread_ = std::thread([this] { run(); });
}

void LostTaskReconciler::stop() {
  stop_.raise();
  if (thread_.joinable()) thread_.join();
}

TasksQueueView LostTaskReconciler::view() const {
  MutexLock lock(viewMutex_);
  return view_;
}

void LostTaskReconciler::run() {
  while (stop_.sleepFor(options_.checkInterval)) check();
}

Result<std::uint64_t> LostTaskReconciler::countReady(QueueRole queue) {
  auto pending = std::make_shared<PendingCount>();
  broker_.countReady(queue, [pending](const Result<std::uint64_t>& answer) {
    {
      MutexLock lock(pending->mutex);
      pending->answer = answer;
    }
    pending->heard.notify_all();
  });
  MutexLock lock(pending->mutex);
  if (!pending->heard.wait_for(lock.native(), kCountTimeout, [&]() CPE_REQUIRES(pending->mutex) {
        return pending->answer.has_value();
      })) {
    return Status::unavailable("no count from the broker within " +
                               std::to_string(kCountTimeout.count()) + " s");
  }
  return *pending->answer;
}

Result<std::uint64_t> LostTaskReconciler::countReadyTwiceIfZero(QueueRole queue) {
  Result<std::uint64_t> ready = countReady(queue);
  if (ready.isOk() && ready.value() == 0) ready = countReady(queue);
  return ready;
}

bool LostTaskReconciler::observeTasksQueue() {
  const EpochMillis askedAt = nowMillis();
  const Result<std::uint64_t> ready = countReadyTwiceIfZero(QueueRole::kTasks);
  const EpochMillis heardAt = nowMillis();
  TasksQueueView seen;
  if (ready.isOk()) {
    seen.ready = ready.value();
    seen.state = seen.ready == 0 ? TasksQueueView::State::kEmpty : TasksQueueView::State::kBacklog;
    if (seen.ready == 0) empties_.push_back({askedAt, heardAt});
  } else if (ready.status().code() == StatusCode::kUnimplemented) {
    seen.state = TasksQueueView::State::kUncountable;
    if (!toldUncountable_) {
      toldUncountable_ = true;
      log_.warning("lost task messages cannot be told from waiting ones: %s; the stuck-task "
                   "report is the only sign of a lost message",
                   ready.status().message());
    }
  } else {
    log_.debug("cannot count the tasks queue: %s", ready.status().toString());
  }
  MutexLock lock(viewMutex_);
  view_ = seen;
  return ready.isOk();
}

std::optional<LostTaskReconciler::EmptyQueue> LostTaskReconciler::settledEmptyMoment(
    EpochMillis now) {
  const EpochMillis settledBefore = now - settleTime_.count();
  std::optional<EmptyQueue> settled;
  while (!empties_.empty() && empties_.front().heardAt <= settledBefore) {
    settled = empties_.front();
    empties_.pop_front();
  }
  // Kept for the next check: it stays the latest settled moment until a
  // newer one settles.
  if (settled) empties_.push_front(*settled);
  return settled;
}

void LostTaskReconciler::check() {
  if (!observeTasksQueue()) return;
  const std::optional<EmptyQueue> empty = settledEmptyMoment(nowMillis());
  // Empty now too: a held message that went back to the queue since (its
  // consumer's connection dropped) may be waiting in a backlog of today.
  if (!empty || view().state != TasksQueueView::State::kEmpty) return;
  // A result waiting in its queue may belong to a task that looks lost.
  const Result<std::uint64_t> results = countReadyTwiceIfZero(QueueRole::kResults);
  if (!results.isOk() || results.value() != 0) return;
  // Published before the queue was seen empty: by then delivered or lost.
  const auto lost = store_.publishedBefore(empty->askedAt, kBatch);
  if (!lost.isOk()) {
    log_.warning("cannot look for lost task messages: %s", lost.status().toString());
    return;
  }
  if (!lost.value().empty()) recover(lost.value());
}

void LostTaskReconciler::recover(const std::vector<PublishedTask>& lost) {
  std::vector<std::string> republish;
  for (const PublishedTask& task : lost) {
    if (task.publishCount > options_.maxRepublishes) {
      failLost(task);
    } else {
      republish.push_back(task.id);
    }
  }
  if (republish.empty()) return;
  if (Status handedBack = store_.markUnpublished(republish); !handedBack.isOk()) {
    log_.warning("cannot hand %z lost task(s) back to the outbox: %s", republish.size(),
                 handedBack.toString());
    return;
  }
  republished_.Increment(static_cast<double>(republish.size()));
  log_.warning("%z task message(s) lost by the broker (queue empty, no answer within "
               "worker.maxHoldSeconds + host.lostTaskMarginSeconds = %Ld s); publishing "
               "again: %s",
               republish.size(), static_cast<Poco::Int64>(settleTime_.count() / 1000),
               someIds(republish));
}

void LostTaskReconciler::failLost(const PublishedTask& task) {
  TaskResult result;
  result.taskId = task.id;
  result.equipmentId = task.equipmentId;
  result.status = TaskStatus::kFailed;
  result.code = 500;
  result.message = std::string(answers::kProvisioningFailed);
  result.finishedAt = nowMillis();
  const Result<bool> applied = store_.complete(result);
  if (!applied.isOk()) {
    withTask(log_, result)
        .warning("task %s: lost by the broker, cannot be failed: %s", task.id,
                 applied.status().toString());
    return;
  }
  if (!applied.value()) return;  // answered meanwhile
  failed_.Increment();
  withTask(log_, result)
      .error(
          "task %s: failed: its message was lost by the broker %d time(s) "
          "(host.lostTaskRepublishes = %d)",
          task.id, task.publishCount, options_.maxRepublishes);
}

}  // namespace cpe::host
