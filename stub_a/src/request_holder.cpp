#include "request_holder.h"

namespace cpe::stub {

bool RequestHolder::hold(std::chrono::duration<double> delay) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::nanoseconds>(delay);
  std::unique_lock<std::mutex> lock(mutex_);
  ++counts_.held;
  if (counts_.held > counts_.maxHeld) counts_.maxHeld = counts_.held;
  const bool interrupted = changed_.wait_until(lock, deadline, [&] { return shuttingDown_; });
  --counts_.held;
  changed_.notify_all();
  return !interrupted;
}

void RequestHolder::shutdown() {
  std::lock_guard<std::mutex> lock(mutex_);
  shuttingDown_ = true;
  changed_.notify_all();
}

void RequestHolder::awaitDrained(std::chrono::milliseconds limit) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, limit, [&] { return counts_.held == 0; });
}

void RequestHolder::countReceived() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++counts_.received;
}

void RequestHolder::countAnswer(int httpStatus) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++counts_.answered[httpStatus];
}

RequestHolder::Snapshot RequestHolder::snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counts_;
}

}  // namespace cpe::stub
