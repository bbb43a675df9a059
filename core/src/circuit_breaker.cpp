#include "cpe/circuit_breaker.h"

#include <algorithm>
#include <utility>

#include "cpe/sdk/mutex.h"

namespace cpe {

CircuitBreaker::CircuitBreaker(CircuitBreakerOptions options,
                               std::function<Clock::time_point()> now)
    : options_(options), now_(std::move(now)) {}

CircuitBreaker::Permit CircuitBreaker::tryAcquire() {
  if (options_.failureThreshold <= 0) return {};
  MutexLock lock(mutex_);
  if (state_ == State::kClosed) return {};
  const Clock::time_point now = now_();
  const Clock::time_point until = state_ == State::kOpen ? blockedUntil_ : probeDeadline_;
  if (now < until) {
    // Waiters look again at least every openFor: a probe's verdict may come
    // long before its deadline.
    const auto wait = std::min<Clock::duration>(until - now, options_.openFor);
    return {false, std::chrono::ceil<std::chrono::milliseconds>(wait)};
  }
  // Open long enough, or the probe running was lost: this caller probes.
  state_ = State::kHalfOpen;
  probeDeadline_ = now + options_.probeTimeout;
  return {};
}

bool CircuitBreaker::onSuccess() {
  MutexLock lock(mutex_);
  consecutiveFailures_ = 0;
  const bool closing = state_ != State::kClosed;
  state_ = State::kClosed;
  return closing;
}

bool CircuitBreaker::onFailure() {
  if (options_.failureThreshold <= 0) return false;
  MutexLock lock(mutex_);
  ++consecutiveFailures_;
  if (state_ == State::kOpen) return false;
  // A failed probe opens at once; a closed breaker after the threshold.
  if (state_ == State::kClosed && consecutiveFailures_ < options_.failureThreshold) return false;
  const bool opening = state_ == State::kClosed;
  state_ = State::kOpen;
  blockedUntil_ = now_() + options_.openFor;
  return opening;
}

CircuitBreaker::State CircuitBreaker::state() {
  MutexLock lock(mutex_);
  return state_;
}

}  // namespace cpe
