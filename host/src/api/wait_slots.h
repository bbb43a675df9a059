#pragma once

#include <chrono>
#include <condition_variable>

#include "cpe/sdk/mutex.h"
#include "cpe/sdk/thread_annotations.h"

namespace cpe::host::api {

// The cap on status requests waiting for their task (api.maxWaitingRequests).
// Poco serves a request on a pool thread until it answers, so each waiting
// request holds one of api.server.maxThreads; without a cap, enough waiting
// clients would leave no thread for anything else.
//
// Thread rule: every method is thread-safe; a Slot is released by whichever
// thread destroys it, before its WaitSlots is destroyed.
class WaitSlots {
 public:
  // Held while a request waits (and until it has answered); empty when the
  // cap was reached, and then the request answers at once.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Slot& operator=(Slot&&) = delete;
    Slot(const Slot&) = delete;
    ~Slot();
    bool taken() const { return owner_ != nullptr; }

   private:
    friend class WaitSlots;
    explicit Slot(WaitSlots* owner) : owner_(owner) {}
    WaitSlots* owner_ = nullptr;
  };

  // At most `capacity` slots held at once; 0 turns waiting off.
  explicit WaitSlots(int capacity) : capacity_(capacity) {}

  Slot tryTake();
  int held() const;
  // Waits until no slot is held, for at most `limit`; whether none is.
  bool awaitNoneHeld(std::chrono::milliseconds limit);

 private:
  void release();

  const int capacity_;
  mutable Mutex mutex_;
  std::condition_variable released_;
  int held_ CPE_GUARDED_BY(mutex_) = 0;
};

}  // namespace cpe::host::api
