#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <thread>
#include <unordered_map>
#include <utility>

#include "cpe/sdk/mutex.h"
#include "cpe/sdk/thread_annotations.h"

namespace cpe::host {

// Cuts calls to A short once they outlast their whole-call limit. A socket
// timeout bounds each wait of a call, not their sum: an A that sends its
// answer a byte at a time would otherwise hold a worker, and its task, far
// past worker.maxHoldSeconds and the broker's consumer timeout.
//
// One thread serves every worker of a pool: arm() before a call, disarm()
// after it. A cut runs on that thread under the lock disarm() takes, so once
// disarm() has returned the ticket's cut has either run or never will.
//
// Thread rule: arm() and disarm() from any thread; a cut must not call them.
class CallDeadlines final {
 public:
  using Clock = std::chrono::steady_clock;
  using Ticket = std::uint64_t;

  CallDeadlines();
  ~CallDeadlines();
  CallDeadlines(const CallDeadlines&) = delete;
  CallDeadlines& operator=(const CallDeadlines&) = delete;

  // Runs `cut` at `deadline` unless disarmed first.
  Ticket arm(Clock::time_point deadline, std::function<void()> cut);
  void disarm(Ticket ticket);

 private:
  using Key = std::pair<Clock::time_point, Ticket>;  // earliest first

  void run();

  Mutex mutex_;
  std::condition_variable changed_;
  std::map<Key, std::function<void()>> byDeadline_ CPE_GUARDED_BY(mutex_);
  std::unordered_map<Ticket, Clock::time_point> deadlineOf_ CPE_GUARDED_BY(mutex_);
  Ticket nextTicket_ CPE_GUARDED_BY(mutex_) = 1;
  bool stopping_ CPE_GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

}  // namespace cpe::host
