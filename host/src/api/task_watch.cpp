#include "api/task_watch.h"

#include "cpe/sdk/mutex.h"

namespace cpe::host::api {

TaskWatch::Subscription TaskWatch::subscribe(const std::string& taskId) {
  MutexLock lock(mutex_);
  Entry& entry = entries_[taskId];
  ++entry.subscribers;
  return Subscription(*this, taskId, entry, entry.announcements);
}

TaskWatch::Subscription::~Subscription() {
  MutexLock lock(watch_.mutex_);
  if (--entry_.subscribers == 0) watch_.entries_.erase(taskId_);
}

TaskWatch::Wake TaskWatch::Subscription::waitUntil(std::chrono::steady_clock::time_point deadline) {
  MutexLock lock(watch_.mutex_);
  const bool woken =
      entry_.wake.wait_until(lock.native(), deadline, [&]() CPE_REQUIRES(watch_.mutex_) {
        return watch_.stopping_ || entry_.announcements != seen_;
      });
  if (watch_.stopping_) return Wake::kStopping;
  if (!woken) return Wake::kDeadline;
  seen_ = entry_.announcements;
  return Wake::kAnnounced;
}

void TaskWatch::notifyTerminal(const std::string& taskId) {
  MutexLock lock(mutex_);
  const auto found = entries_.find(taskId);
  if (found == entries_.end()) return;
  ++found->second.announcements;
  found->second.wake.notify_all();
}

void TaskWatch::stop() {
  MutexLock lock(mutex_);
  stopping_ = true;
  for (auto& [taskId, entry] : entries_) entry.wake.notify_all();
}

}  // namespace cpe::host::api
