#pragma once

#include <mutex>

#include "cpe/status.h"
#include "cpe/thread_annotations.h"

namespace cpe::brokers::rabbitmq {

// What health() answers: set by the I/O thread as the connection comes and
// goes, read by any thread.
class HealthCell final {
 public:
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
  Status status_ CPE_GUARDED_BY(mutex_) = Status::unavailable("rabbitmq: not started");
};

}  // namespace cpe::brokers::rabbitmq
