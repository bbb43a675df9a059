#include "cpe/retry_policy.h"

#include <algorithm>

#include "cpe/sdk/mutex.h"

namespace cpe {

RetryPolicy::RetryPolicy(RetryOptions options, std::uint64_t seed)
    : options_(options), random_(seed) {}

std::chrono::milliseconds RetryPolicy::backoff(int attempt) {
  // Doubling stops well before overflow: 2^20 × initial exceeds any sane cap.
  const int doublings = std::clamp(attempt - 1, 0, 20);
  const auto ceiling =
      std::min<std::int64_t>(options_.maxBackoff.count(),
                             options_.initialBackoff.count() * (std::int64_t{1} << doublings));
  MutexLock lock(mutex_);
  return std::chrono::milliseconds(
      std::uniform_int_distribution<std::int64_t>(0, std::max<std::int64_t>(ceiling, 0))(random_));
}

bool RetryPolicy::fitsBudget(std::chrono::milliseconds spent,
                             std::chrono::milliseconds backoff) const {
  return spent + backoff < options_.budget;
}

}  // namespace cpe
