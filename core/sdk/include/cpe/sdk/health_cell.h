#pragma once

#include <mutex>
#include <utility>

#include "cpe/sdk/status.h"
#include "cpe/sdk/thread_annotations.h"

namespace cpe::plugin {

// What a broker's health() answers: set by the plugin's I/O thread as its
// connection comes and goes, read by any thread.
class HealthCell final {
 public:
  explicit HealthCell(Status initial) : status_(std::move(initial)) {}

  void set(Status status) {
    std::lock_guard<std::mutex> lock(mutex_);
    status_ = std::move(status);
  }
  Status get() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return status_;
  }

 private:
  mutable std::mutex mutex_;
  Status status_ CPE_GUARDED_BY(mutex_);
};

}  // namespace cpe::plugin
