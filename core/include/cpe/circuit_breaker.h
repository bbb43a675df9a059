#pragma once

#include <chrono>
#include <functional>

#include "cpe/sdk/mutex.h"
#include "cpe/sdk/thread_annotations.h"

namespace cpe {

struct CircuitBreakerOptions {
  // Consecutive failed calls (from any caller) that open the breaker; 0
  // disables it (every call goes ahead).
  int failureThreshold = 5;
  // How long an open breaker refuses calls before it lets one probe through.
  std::chrono::milliseconds openFor{5000};
  // How long a probe may run before the breaker takes it for lost (its
  // caller stopped) and lets another through: above the longest a call can
  // take (the worker sets it from its call timeout).
  std::chrono::milliseconds probeTimeout{std::chrono::minutes(3)};
};

// Shared by every thread calling one remote service. While the service is
// down, the threads wait for the breaker instead of each hammering it with
// its own retries; one probe call at a time tells when it is back.
//
//   closed ──threshold failures──▶ open ──openFor elapsed──▶ half-open
//   half-open: one probe call; success ▶ closed, failure ▶ open again.
//
// One probe at a time, however long it takes (A may hold a call for a
// minute): the others wait for its verdict. A probe that never reports (its
// caller stopped) does not wedge the breaker: after probeTimeout the next
// caller probes.
//
// Thread rule: every method is thread-safe.
class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  enum class State { kClosed, kOpen, kHalfOpen };

  // What a caller may do now.
  struct Permit {
    bool allowed = true;
    // When not allowed: how long until the breaker may let a call through.
    std::chrono::milliseconds retryIn{0};
  };

  explicit CircuitBreaker(CircuitBreakerOptions options,
                          std::function<Clock::time_point()> now = Clock::now);

  // Asks to make one call; an allowed call must be reported with
  // onSuccess() or onFailure().
  Permit tryAcquire();
  // The service answered. Returns true if this closed the breaker.
  bool onSuccess();
  // The service could not be reached or failed transiently. Returns true if
  // this opened the breaker (so the caller logs the transition once).
  bool onFailure();

  State state();

 private:
  const CircuitBreakerOptions options_;
  const std::function<Clock::time_point()> now_;
  Mutex mutex_;
  State state_ CPE_GUARDED_BY(mutex_) = State::kClosed;
  int consecutiveFailures_ CPE_GUARDED_BY(mutex_) = 0;
  // Open: no call before this.
  Clock::time_point blockedUntil_ CPE_GUARDED_BY(mutex_);
  // Half-open: the running probe is taken for lost after this.
  Clock::time_point probeDeadline_ CPE_GUARDED_BY(mutex_);
};

}  // namespace cpe
