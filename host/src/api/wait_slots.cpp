#include "api/wait_slots.h"

#include "cpe/sdk/mutex.h"

namespace cpe::host::api {

WaitSlots::Slot::~Slot() {
  if (owner_ != nullptr) owner_->release();
}

WaitSlots::Slot WaitSlots::tryTake() {
  MutexLock lock(mutex_);
  if (held_ >= capacity_) return Slot();
  ++held_;
  return Slot(this);
}

int WaitSlots::held() const {
  MutexLock lock(mutex_);
  return held_;
}

bool WaitSlots::awaitNoneHeld(std::chrono::milliseconds limit) {
  MutexLock lock(mutex_);
  return released_.wait_for(lock.native(), limit,
                            [&]() CPE_REQUIRES(mutex_) { return held_ == 0; });
}

void WaitSlots::release() {
  {
    MutexLock lock(mutex_);
    --held_;
  }
  released_.notify_all();
}

}  // namespace cpe::host::api
