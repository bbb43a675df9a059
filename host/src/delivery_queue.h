#pragma once

#include <condition_variable>
#include <deque>
#include <optional>

#include "cpe/sdk/broker.h"
#include "cpe/sdk/mutex.h"
#include "cpe/sdk/thread_annotations.h"

namespace cpe::host {

// Hands deliveries from the broker's thread to a pool of our threads. push()
// never blocks (the broker's prefetch bounds how many can be waiting); pop()
// blocks until a delivery arrives or close() is called.
class DeliveryQueue {
 public:
  void push(Delivery delivery) {
    {
      MutexLock lock(mutex_);
      items_.push_back(std::move(delivery));
    }
    ready_.notify_one();
  }

  // nullopt once closed: what arrives later is not started, only handed back.
  std::optional<Delivery> pop() {
    MutexLock lock(mutex_);
    ready_.wait(lock.native(), [&]() CPE_REQUIRES(mutex_) { return closed_ || !items_.empty(); });
    if (closed_) return std::nullopt;
    Delivery delivery = std::move(items_.front());
    items_.pop_front();
    return delivery;
  }

  // Wakes every pop(); the deliveries still queued are returned for the
  // caller to hand back to the broker. Deliveries pushed after it wait here,
  // unstarted, for another close() (or return to the broker with the
  // connection).
  std::deque<Delivery> close() {
    std::deque<Delivery> left;
    {
      MutexLock lock(mutex_);
      closed_ = true;
      left.swap(items_);
    }
    ready_.notify_all();
    return left;
  }

 private:
  Mutex mutex_;
  std::condition_variable ready_;
  std::deque<Delivery> items_ CPE_GUARDED_BY(mutex_);
  bool closed_ CPE_GUARDED_BY(mutex_) = false;
};

}  // namespace cpe::host
