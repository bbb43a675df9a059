#include "cpe/circuit_breaker.h"

#include <utility>

namespace cpe {

CircuitBreaker::CircuitBreaker(CircuitBreakerOptions options,
                               std::function<Clock::time_point()> now)
    : options_(options), now_(std::move(now)) {}

CircuitBreaker::Permit CircuitBreaker::tryAcquire() {
  if (options_.failureThreshold <= 0) return {};
  std::lock_guard<std::mutex> lock(mutex_);
  if (state_ == State::kClosed) return {};
  const Clock::time_point now = now_();
  if (now < blockedUntil_) {
    return {false, std::chrono::ceil<std::chrono::milliseconds>(blockedUntil_ - now)};
  }
  // Open long enough, or the last probe never reported: this caller probes,
  // the others wait another period for its verdict.
  state_ = State::kHalfOpen;
  blockedUntil_ = now + options_.openFor;
  return {};
}

bool CircuitBreaker::onSuccess() {
  std::lock_guard<std::mutex> lock(mutex_);
  consecutiveFailures_ = 0;
  const bool closing = state_ != State::kClosed;
  state_ = State::kClosed;
  return closing;
}

bool CircuitBreaker::onFailure() {
  if (options_.failureThreshold <= 0) return false;
  std::lock_guard<std::mutex> lock(mutex_);
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
  std::lock_guard<std::mutex> lock(mutex_);
  return state_;
}

}  // namespace cpe
