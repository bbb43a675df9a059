#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "cpe/sdk/mutex.h"
#include "cpe/sdk/thread_annotations.h"

namespace cpe::host::api {

// Tells requests waiting on a task (GET …?waitSeconds=N) that its result was
// just applied in this process, so they read it at once instead of at their
// next poll. Only a hint: results applied by another process are never
// announced here, which is why waiters also read the store at an interval.
//
// Thread rule: every method is thread-safe. A Subscription is used by the
// one thread that took it and must not outlive its TaskWatch.
class TaskWatch {
  struct Entry {
    std::condition_variable wake;
    int subscribers = 0;
    std::uint64_t announcements = 0;
  };

 public:
  enum class Wake {
    kAnnounced,  // notifyTerminal() for this task since subscribing or the last wake
    kDeadline,   // the deadline passed first
    kStopping,   // stop() was called: answer with what the store holds now
  };

  class Subscription {
   public:
    ~Subscription();
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;

    // Blocks until the task is announced, the deadline passes or the watch
    // stops. An announcement made after subscribe() and before this call is
    // not lost: it returns at once.
    Wake waitUntil(std::chrono::steady_clock::time_point deadline);

   private:
    friend class TaskWatch;
    Subscription(TaskWatch& watch, std::string taskId, Entry& entry, std::uint64_t seen)
        : watch_(watch), taskId_(std::move(taskId)), entry_(entry), seen_(seen) {}

    TaskWatch& watch_;
    const std::string taskId_;
    Entry& entry_;
    std::uint64_t seen_;  // the entry's announcements when last woken
  };

  TaskWatch() = default;
  TaskWatch(const TaskWatch&) = delete;
  TaskWatch& operator=(const TaskWatch&) = delete;

  // Starts watching `taskId`; subscribe before reading the task, so an
  // announcement between the read and the wait is kept.
  Subscription subscribe(const std::string& taskId);

  // The task's result is in the store: wakes its subscribers (none: nothing
  // happens, nothing is kept).
  void notifyTerminal(const std::string& taskId);

  // Wakes every subscriber, and makes every later wait return at once.
  void stop();

 private:
  Mutex mutex_;
  // Node-based: an entry stays where it is while others come and go, so a
  // Subscription may hold a reference to its own. Erased with its last
  // subscriber, so the map holds only tasks someone waits for.
  std::unordered_map<std::string, Entry> entries_ CPE_GUARDED_BY(mutex_);
  bool stopping_ CPE_GUARDED_BY(mutex_) = false;
};

}  // namespace cpe::host::api
