#pragma once

#include <Poco/Net/StreamSocket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <list>
#include <thread>

#include "cpe/sdk/mutex.h"
#include "cpe/sdk/thread_annotations.h"

namespace cpe::http {

// Cuts off clients that send a request too slowly. Poco's receive timeout
// restarts with every read, so a client trickling one byte per second would
// hold a pool thread for ever; a deadline counts from the start instead. One
// thread per listener checks the deadlines of the connections it serves and
// shuts the reading side of a late one: the blocked read sees the end of the
// stream and Poco closes the connection.
//
// Thread rule: Scope, arm() and disarm() are used on the thread serving the
// connection; the list of connections is guarded by mu_, each deadline is
// atomic.
class ConnectionDeadlines {
 public:
  using Clock = std::chrono::steady_clock;

 private:
  static constexpr Clock::rep kNone = std::numeric_limits<Clock::rep>::max();
  struct Entry {
    explicit Entry(int socketFd) : fd(socketFd) {}
    const int fd;
    // Clock ticks; kNone when disarmed. Atomic, so arming per request takes
    // no lock: only registering a connection does.
    std::atomic<Clock::rep> deadline{kNone};
  };

 public:
  ConnectionDeadlines();
  ~ConnectionDeadlines();  // stops the watchdog thread
  ConnectionDeadlines(const ConnectionDeadlines&) = delete;
  ConnectionDeadlines& operator=(const ConnectionDeadlines&) = delete;

  // Registers the connection served on the calling thread for as long as the
  // scope lives; arm() and disarm() on this thread then apply to it.
  class Scope {
   public:
    Scope(ConnectionDeadlines& owner, const Poco::Net::StreamSocket& socket);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    ConnectionDeadlines& owner_;
    std::list<Entry>::iterator it_;
  };

  // The client served on the calling thread must deliver what it is sending
  // within `limit`, or its connection is cut off. No-op on a thread serving
  // no connection.
  static void arm(Clock::duration limit);
  // Lifts the calling thread's deadline (what was awaited has arrived).
  static void disarm();

 private:
  void watch();

  // The connection the calling thread serves, if any.
  static thread_local Entry* current_;

  Mutex mu_;
  std::condition_variable wake_;
  std::list<Entry> entries_
      CPE_GUARDED_BY(mu_);  // a list: stable addresses for the serving threads
  bool stopping_ CPE_GUARDED_BY(mu_) = false;
  std::thread watchdog_;
};

}  // namespace cpe::http
