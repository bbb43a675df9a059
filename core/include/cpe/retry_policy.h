#pragma once

#include <chrono>
#include <cstdint>
#include <random>

#include "cpe/sdk/mutex.h"
#include "cpe/sdk/thread_annotations.h"

namespace cpe {

// When to try a failed call again: exponential backoff with full jitter
// (a random wait between 0 and min(cap, initial * 2^attempt)), within a
// budget of total time since the first attempt. Full jitter spreads the
// retries of many workers that failed together, so a recovering service is
// not hit by all of them at once.
struct RetryOptions {
  std::chrono::milliseconds initialBackoff{1000};
  std::chrono::milliseconds maxBackoff{30000};
  // No retry starts later than this after the first attempt began.
  std::chrono::milliseconds budget{600000};
};

class RetryPolicy {
 public:
  explicit RetryPolicy(RetryOptions options, std::uint64_t seed = std::random_device{}());

  // The wait before retry number `attempt` (1 = the first retry).
  std::chrono::milliseconds backoff(int attempt);

  // Whether a retry after `backoff` still fits the budget, given the time
  // already spent since the first attempt.
  bool fitsBudget(std::chrono::milliseconds spent, std::chrono::milliseconds backoff) const;

  const RetryOptions& options() const { return options_; }

 private:
  const RetryOptions options_;
  Mutex mutex_;
  std::mt19937_64 random_ CPE_GUARDED_BY(mutex_);
};

}  // namespace cpe
