#include "worker/call_deadlines.h"

#include <utility>

#include "cpe/sdk/mutex.h"

namespace cpe::host {

CallDeadlines::CallDeadlines() : thread_([this] { run(); }) {}

CallDeadlines::~CallDeadlines() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

CallDeadlines::Ticket CallDeadlines::arm(Clock::time_point deadline, std::function<void()> cut) {
  Ticket ticket = 0;
  {
    MutexLock lock(mutex_);
    ticket = nextTicket_++;
    byDeadline_.emplace(Key{deadline, ticket}, std::move(cut));
    deadlineOf_.emplace(ticket, deadline);
  }
  changed_.notify_all();  // it may be the earliest now
  return ticket;
}

void CallDeadlines::disarm(Ticket ticket) {
  MutexLock lock(mutex_);
  const auto found = deadlineOf_.find(ticket);
  if (found == deadlineOf_.end()) return;  // its cut has run
  byDeadline_.erase(Key{found->second, ticket});
  deadlineOf_.erase(found);
}

void CallDeadlines::run() {
  MutexLock lock(mutex_);
  while (!stopping_) {
    if (byDeadline_.empty()) {
      changed_.wait(lock.native());
      continue;
    }
    const auto earliest = byDeadline_.begin();
    // A copy: waiting releases the lock, and disarm() may free the entry.
    const Clock::time_point deadline = earliest->first.first;
    if (deadline > Clock::now()) {
      changed_.wait_until(lock.native(), deadline);
      continue;
    }
    const std::function<void()> cut = std::move(earliest->second);
    deadlineOf_.erase(earliest->first.second);
    byDeadline_.erase(earliest);
    cut();
  }
}

}  // namespace cpe::host
