#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "cpe/sdk/mutex.h"
#include "cpe/sdk/thread_annotations.h"

namespace cpe::host::auth {

// A token bucket per caller: `burst` requests at once, refilled at the
// caller's rate. Callers without a rate are not limited.
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // Adds `caller` with its rate (requests per second, > 0) and burst (>= 1).
  void limit(const std::string& caller, double perSecond, double burst);

  // Takes one request from `caller`'s bucket. Nullopt when it may go on;
  // else how long until it may try again, rounded up to whole seconds
  // (Retry-After).
  std::optional<std::chrono::seconds> take(const std::string& caller,
                                           Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double perSecond;
    double burst;
    double available;
    Clock::time_point refilled;
  };
  Mutex mutex_;
  std::map<std::string, Bucket, std::less<>> buckets_ CPE_GUARDED_BY(mutex_);
};

}  // namespace cpe::host::auth
