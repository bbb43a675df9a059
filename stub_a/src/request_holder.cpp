#include "request_holder.h"

#include "cpe/sdk/mutex.h"

namespace cpe::stub {

bool RequestHolder::hold(std::chrono::duration<double> delay) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::nanoseconds>(delay);
  MutexLock lock(mutex_);
  ++counts_.held;
  if (counts_.held > counts_.maxHeld) counts_.maxHeld = counts_.held;
  const bool interrupted = shuttingDownChanged_.wait_until(
      lock.native(), deadline, [&]() CPE_REQUIRES(mutex_) { return shuttingDown_; });
  if (--counts_.held == 0) drained_.notify_all();
  return !interrupted;
}

void RequestHolder::shutdown() {
  MutexLock lock(mutex_);
  shuttingDown_ = true;
  shuttingDownChanged_.notify_all();
}

void RequestHolder::awaitDrained(std::chrono::milliseconds limit) {
  MutexLock lock(mutex_);
  drained_.wait_for(lock.native(), limit, [&]() CPE_REQUIRES(mutex_) { return counts_.held == 0; });
}

void RequestHolder::countReceived() {
  MutexLock lock(mutex_);
  ++counts_.received;
}

void RequestHolder::countAnswer(int httpStatus) {
  MutexLock lock(mutex_);
  ++counts_.answered[httpStatus];
}

RequestHolder::Snapshot RequestHolder::snapshot() const {
  MutexLock lock(mutex_);
  return counts_;
}

}  // namespace cpe::stub
