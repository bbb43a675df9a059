#include "connection_deadlines.h"

#include <sys/socket.h>

#include <iterator>

#include "cpe/sdk/mutex.h"

namespace cpe::http {
namespace {

// How late a deadline may be acted on: far below any timeout worth setting.
constexpr std::chrono::milliseconds kTick{100};

}  // namespace

thread_local ConnectionDeadlines::Entry* ConnectionDeadlines::current_ = nullptr;

ConnectionDeadlines::ConnectionDeadlines() : watchdog_([this] { watch(); }) {}

ConnectionDeadlines::~ConnectionDeadlines() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  watchdog_.join();
}

ConnectionDeadlines::Scope::Scope(ConnectionDeadlines& owner, const Poco::Net::StreamSocket& socket)
    : owner_(owner) {
  MutexLock lock(owner_.mu_);
  owner_.entries_.emplace_back(socket.impl()->sockfd());
  it_ = std::prev(owner_.entries_.end());
  current_ = &*it_;
}

ConnectionDeadlines::Scope::~Scope() {
  // Erased before the socket closes, so the watchdog never shuts a reused fd.
  MutexLock lock(owner_.mu_);
  owner_.entries_.erase(it_);
  current_ = nullptr;
}

void ConnectionDeadlines::arm(Clock::duration limit) {
  if (current_ != nullptr) current_->deadline = (Clock::now() + limit).time_since_epoch().count();
}

void ConnectionDeadlines::disarm() {
  if (current_ != nullptr) current_->deadline = kNone;
}

void ConnectionDeadlines::watch() {
  MutexLock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock.native(), kTick);
    const Clock::rep now = Clock::now().time_since_epoch().count();
    for (Entry& entry : entries_) {
      Clock::rep deadline = entry.deadline.load();
      if (deadline > now) continue;
      // Only the reading side: Poco may still answer (a 400 on plain HTTP),
      // and a write to a fully shut socket would raise SIGPIPE.
      ::shutdown(entry.fd, SHUT_RD);
      // Unless the serving thread armed a new deadline meanwhile.
      entry.deadline.compare_exchange_strong(deadline, kNone);
    }
  }
}

}  // namespace cpe::http
