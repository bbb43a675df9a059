#include "auth/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace cpe::host::auth {

void RateLimiter::limit(const std::string& caller, double perSecond, double burst) {
  const MutexLock lock(mutex_);
  buckets_[caller] = Bucket{perSecond, burst, burst, Clock::now()};
}

std::optional<std::chrono::seconds> RateLimiter::take(const std::string& caller,
                                                      Clock::time_point now) {
  const MutexLock lock(mutex_);
  const auto found = buckets_.find(caller);
  if (found == buckets_.end()) return std::nullopt;
  Bucket& bucket = found->second;
  const double elapsed = std::chrono::duration<double>(now - bucket.refilled).count();
  if (elapsed > 0) {
    bucket.available = std::min(bucket.burst, bucket.available + elapsed * bucket.perSecond);
    bucket.refilled = now;
  }
  if (bucket.available >= 1) {
    bucket.available -= 1;
    return std::nullopt;
  }
  const double wait = (1 - bucket.available) / bucket.perSecond;
  return std::chrono::seconds(std::max<long long>(1, static_cast<long long>(std::ceil(wait))));
}

}  // namespace cpe::host::auth
