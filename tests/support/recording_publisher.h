#pragma once

#include <string>
#include <vector>

#include "cpe/sdk/mutex.h"
#include "cpe/sdk/thread_annotations.h"
#include "cpe/task_service.h"

namespace cpe::test {

// A TaskPublisher that publishes nothing and records what it was told, in
// order: "reserve <id>", "enqueue <id>", "abandon <id>".
//
// Thread rule: every method is thread-safe.
class RecordingPublisher final : public TaskPublisher {
 public:
  void reserve(const std::string& taskId) noexcept override { record("reserve " + taskId); }
  void enqueue(const Task& task) noexcept override {
    MutexLock lock(mutex_);
    calls_.push_back("enqueue " + task.id);
    enqueued_.push_back(task.id);
  }
  void abandon(const std::string& taskId) noexcept override { record("abandon " + taskId); }

  std::vector<std::string> calls() const {
    MutexLock lock(mutex_);
    return calls_;
  }
  // Ids of the tasks enqueued, in order.
  std::vector<std::string> enqueued() const {
    MutexLock lock(mutex_);
    return enqueued_;
  }
  void clear() {
    MutexLock lock(mutex_);
    calls_.clear();
    enqueued_.clear();
  }

 private:
  void record(std::string call) {
    MutexLock lock(mutex_);
    calls_.push_back(std::move(call));
  }

  mutable Mutex mutex_;
  std::vector<std::string> calls_ CPE_GUARDED_BY(mutex_);
  std::vector<std::string> enqueued_ CPE_GUARDED_BY(mutex_);
};

}  // namespace cpe::test
