#include "outbox/outbox_relay.h"

#include <chrono>

#include "cpe/messages.h"
#include "cpe/sdk/mutex.h"

namespace cpe::host {
namespace {

// Long enough for the confirms of the last batch to arrive, so the next
// query does not return the same tasks still in flight.
constexpr std::chrono::milliseconds kBacklogSweepInterval{100};

}  // namespace

OutboxRelay::OutboxRelay(TaskStore& store, Broker& broker, const OutboxOptions& options,
                         prometheus::Registry& metrics)
    : store_(store),
      broker_(broker),
      options_(options),
      log_(Poco::Logger::get("outbox")),
      swept_(prometheus::BuildCounter()
                 .Name("cpe_outbox_swept_total")
                 .Help("Tasks the outbox sweep found unpublished and published again.")
                 .Register(metrics)
                 .Add({})) {}

std::size_t OutboxRelay::pendingCount() {
  MutexLock lock(mutex_);
  return pending_.size();
}

OutboxRelay::~OutboxRelay() { stop(); }

void OutboxRelay::start() {
  thread_ = std::thread([this] { run(); });
}

void OutboxRelay::stop(std::chrono::milliseconds grace) {
  {
    MutexLock lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    draining_ = true;
    wake_.notify_all();
    if (thread_.joinable() && !drained_.wait_for(lock.native(), grace, [&]() CPE_REQUIRES(mutex_) {
          return pending_.empty();
        })) {
      log_.warning("%z task(s) unconfirmed after the grace period: left to a later sweep",
                   pending_.size());
    }
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void OutboxRelay::reserve(const std::string& taskId) noexcept {
  try {
    MutexLock lock(mutex_);
    reserved_.insert(taskId);
  } catch (...) {
    // Out of memory: unreserved, the task may at worst be published twice.
  }
}

void OutboxRelay::enqueue(const Task& task) noexcept {
  try {
    MutexLock lock(mutex_);
    reserved_.erase(task.id);
    // Over a bound the task simply waits in the store for a later sweep.
    if (queue_.size() >= static_cast<std::size_t>(options_.maxQueued) || inFlightFullLocked()) {
      return;
    }
    if (!pending_.insert(task.id).second) return;
    queue_.push_back(task);
  } catch (...) {
    return;  // out of memory: the sweep still has it
  }
  wake_.notify_one();
}

void OutboxRelay::abandon(const std::string& taskId) noexcept {
  MutexLock lock(mutex_);
  reserved_.erase(taskId);
}

void OutboxRelay::run() {
  auto nextSweep = std::chrono::steady_clock::now();  // sweep at once: leftovers of a past run
  bool draining = false;                              // stop() began: confirms only
  while (true) {
    std::deque<Task> batch;
    {
      MutexLock lock(mutex_);
      wake_.wait_until(lock.native(), nextSweep, [&]() CPE_REQUIRES(mutex_) {
        return stopping_ || draining_ != draining || !queue_.empty() || !confirmed_.empty();
      });
      if (stopping_) break;
      draining = draining_;
      batch.swap(queue_);
    }
    for (const Task& task : batch) publish(task);
    flushConfirmed();
    if (draining) {
      // Only confirms are awaited now: wait for them, not for the next sweep.
      nextSweep = std::chrono::steady_clock::now() + kBacklogSweepInterval;
      continue;
    }
    if (std::chrono::steady_clock::now() >= nextSweep) {
      // A full batch means a backlog (the broker was down): drain it quickly.
      const bool backlog = sweep();
      nextSweep = std::chrono::steady_clock::now() +
                  (backlog ? kBacklogSweepInterval : options_.sweepInterval);
    }
  }
  flushConfirmed();
}

bool OutboxRelay::inFlightFullLocked() const {
  return pending_.size() >= static_cast<std::size_t>(options_.maxInFlight);
}

bool OutboxRelay::publishIfNotPending(const Task& task) {
  {
    MutexLock lock(mutex_);
    if (inFlightFullLocked()) return false;
    if (reserved_.count(task.id) != 0) return true;     // the fast path will have it
    if (!pending_.insert(task.id).second) return true;  // already on its way
  }
  swept_.Increment();
  publish(task);
  return true;
}

void OutboxRelay::publish(const Task& task) {
  broker_.publish(QueueRole::kTasks, task.id, encodeTaskMessage(task),
                  [this, id = task.id](const Status& status) { onConfirmed(id, status); });
}

void OutboxRelay::onConfirmed(const std::string& taskId, const Status& status) {
  {
    MutexLock lock(mutex_);
    // A refused publish stays unpublished in the store; the sweep retries it.
    if (status.isOk()) {
      confirmed_.push_back(taskId);
    } else {
      pending_.erase(taskId);
      if (pending_.empty()) drained_.notify_all();
    }
  }
  wake_.notify_one();
}

void OutboxRelay::flushConfirmed() {
  std::vector<std::string> ids;
  {
    MutexLock lock(mutex_);
    ids.swap(confirmed_);
  }
  if (ids.empty()) return;
  // If this fails the tasks are merely published again by a later sweep.
  if (Status marked = store_.markPublished(ids); !marked.isOk()) {
    log_.warning("cannot mark %z task(s) published: %s", ids.size(), marked.toString());
  }
  MutexLock lock(mutex_);
  for (const auto& id : ids) pending_.erase(id);
  if (pending_.empty()) drained_.notify_all();
}

bool OutboxRelay::sweep() {
  // Publishing now would only fail: down, or held back by a resource alarm.
  if (!broker_.health().isOk() || broker_.blocked()) return false;
  const EpochMillis cutoff = nowMillis() - options_.sweepMinAge.count();
  auto pending = store_.unpublished(static_cast<std::size_t>(options_.sweepBatch), cutoff);
  if (!pending.isOk()) {
    log_.warning("outbox sweep: %s", pending.status().toString());
    return false;
  }
  if (!pending.value().empty()) {
    log_.information("outbox sweep: publishing %z unpublished task(s)", pending.value().size());
  }
  for (const Task& task : pending.value()) {
    if (!publishIfNotPending(task)) return false;  // at maxInFlight: later sweeps go on
  }
  return pending.value().size() == static_cast<std::size_t>(options_.sweepBatch);
}

}  // namespace cpe::host
