#include "api/task_watch.h"

namespace cpe::host::api {

TaskWatch::Subscription TaskWatch::subscribe(const std::string& taskId) {
  std::lock_guard<std::mutex> lock(mutex_);
  Entry& entry = entries_[taskId];
  ++entry.subscribers;
  return Subscription(*this, taskId, entry, entry.announcements);
}

TaskWatch::Subscription::~Subscription() {
  std::lock_guard<std::mutex> lock(watch_.mutex_);
  if (--entry_.subscribers == 0) watch_.entries_.erase(taskId_);
}

TaskWatch::Wake TaskWatch::Subscription::waitUntil(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(watch_.mutex_);
  const bool woken = entry_.wake.wait_until(
      lock, deadline, [&] { return watch_.stopping_ || entry_.announcements != seen_; });
  if (watch_.stopping_) return Wake::kStopping;
  if (!woken) return Wake::kDeadline;
  seen_ = entry_.announcements;
  return Wake::kAnnounced;
}

void TaskWatch::notifyTerminal(const std::string& taskId) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto found = entries_.find(taskId);
  if (found == entries_.end()) return;
  ++found->second.announcements;
  found->second.wake.notify_all();
}

void TaskWatch::stop() {
  std::lock_guard<std::mutex> lock(mutex_);
  stopping_ = true;
  for (auto& [taskId, entry] : entries_) entry.wake.notify_all();
}

}  // namespace cpe::host::api
