#pragma once

#include <utility>

#include "cpe/sdk/mutex.h"
#include "cpe/sdk/status.h"
#include "cpe/sdk/thread_annotations.h"

namespace cpe::plugin {

// What a broker's health() answers: set by the plugin's I/O thread as its
// connection comes and goes, read by any thread.
class HealthCell final {
 public:
  explicit HealthCell(Status initial) : status_(std::move(initial)) {}

  void set(Status status) {
    MutexLock lock(mutex_);
    status_ = std::move(status);
  }
  Status get() const {
    MutexLock lock(mutex_);
    return status_;
  }

 private:
  mutable Mutex mutex_;
  Status status_ CPE_GUARDED_BY(mutex_);
};

}  // namespace cpe::plugin
