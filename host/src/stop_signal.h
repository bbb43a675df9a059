#pragma once

#include <chrono>
#include <condition_variable>

#include "cpe/sdk/mutex.h"
#include "cpe/sdk/thread_annotations.h"

namespace cpe::host {

// A one-way "stop now" flag that threads can also wait on, so a backoff
// pause ends at once when the host shuts down.
class StopSignal {
 public:
  void raise() {
    {
      MutexLock lock(mutex_);
      raised_ = true;
    }
    wake_.notify_all();
  }

  bool raised() const {
    MutexLock lock(mutex_);
    return raised_;
  }

  // Waits `delay`; returns false at once if (or as soon as) stop is raised.
  bool sleepFor(std::chrono::milliseconds delay) {
    MutexLock lock(mutex_);
    return !wake_.wait_for(lock.native(), delay, [&]() CPE_REQUIRES(mutex_) { return raised_; });
  }

 private:
  mutable Mutex mutex_;
  std::condition_variable wake_;
  bool raised_ CPE_GUARDED_BY(mutex_) = false;
};

}  // namespace cpe::host
