#include "api/wait_slots.h"

namespace cpe::host::api {

WaitSlots::Slot::~Slot() {
  if (owner_ != nullptr) owner_->release();
}

WaitSlots::Slot WaitSlots::tryTake() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (held_ >= capacity_) return Slot();
  ++held_;
  return Slot(this);
}

int WaitSlots::held() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return held_;
}

bool WaitSlots::awaitNoneHeld(std::chrono::milliseconds limit) {
  std::unique_lock<std::mutex> lock(mutex_);
  return released_.wait_for(lock, limit, [&] { return held_ == 0; });
}

void WaitSlots::release() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    --held_;
  }
  released_.notify_all();
}

}  // namespace cpe::host::api
