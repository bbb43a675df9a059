#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>

#include "cpe/sdk/mutex.h"
#include "cpe/sdk/thread_annotations.h"

namespace cpe::stub {

// Holds requests for A's delay and counts them, so tests can prove callers
// run in parallel from the stub's own numbers rather than a stopwatch.
// Thread-safe: every pool thread serving a request calls in.
class RequestHolder {
 public:
  struct Snapshot {
    std::int64_t held = 0;                 // requests waiting out the delay now
    std::int64_t maxHeld = 0;              // the most ever waiting at once
    std::int64_t received = 0;             // requests to the provisioning path
    std::map<int, std::int64_t> answered;  // HTTP status -> count
  };

  // Blocks the calling thread for `delay`, or less if shutdown() is called.
  // Returns false when cut short by shutdown.
  bool hold(std::chrono::duration<double> delay);

  // Wakes every held request and makes later hold() calls return at once.
  void shutdown();
  // Waits up to `limit` for held requests to drain after shutdown().
  void awaitDrained(std::chrono::milliseconds limit);

  void countReceived();
  void countAnswer(int httpStatus);
  Snapshot snapshot() const;

 private:
  mutable Mutex mutex_;
  // Two conditions, so that a call ending wakes no other call: with one,
  // each end woke every held thread (8,000 at 800 ends a second in the
  // benchmark) and the calls stretched from 10 s to 13-27 s.
  std::condition_variable shuttingDownChanged_;  // held calls wait on it
  std::condition_variable drained_;              // awaitDrained() waits on it
  bool shuttingDown_ CPE_GUARDED_BY(mutex_) = false;
  Snapshot counts_ CPE_GUARDED_BY(mutex_);
};

}  // namespace cpe::stub
