#pragma once

// Group commit for a store plugin's writes (LevelDB's DBImpl::Write and
// BuildBatchGroup): every caller queues its write; the one at the head of
// the queue takes the writes waiting behind it (up to a limit), commits them in
// one transaction for all, and wakes each with its own outcome. No timer: a
// lone writer commits at once, and under load one commit (one fsync) serves
// every write that queued while the one before it was on disk.
//
// A store with one writer (SQLite) commits one batch at a time. A server
// that commits several transactions at once (PostgreSQL, each on its own
// connection, flushing their WAL together) may let several batches be in
// flight: a writer at the head leads as soon as fewer than that many are.

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <vector>

#include "cpe/sdk/mutex.h"
#include "cpe/sdk/thread_annotations.h"

namespace cpe {

// `Write` is the plugin's own record of one pending write: what to write,
// and room for its outcome, which the batch's commit fills in.
template <typename Write>
class WriteGroup final {
 public:
  // At most `maxBatch` writes (at least 1) share a commit, and at most
  // `maxInFlight` commits (at least 1; since SDK 6.4) run at once.
  explicit WriteGroup(std::size_t maxBatch, std::size_t maxInFlight = 1)
      : maxBatch_(std::max<std::size_t>(maxBatch, 1)),
        maxInFlight_(std::max<std::size_t>(maxInFlight, 1)) {}
  WriteGroup(const WriteGroup&) = delete;
  WriteGroup& operator=(const WriteGroup&) = delete;

  // Queues `write` and returns once a batch holding it has been committed:
  // by this thread, if it reaches the head of the queue while a commit may
  // start, with `commitBatch(const std::vector<Write*>& batch)` (batch[0] is
  // its own write, the rest in the order they queued); otherwise by the
  // thread that led its batch. commitBatch records every write's outcome in
  // the write and must not throw: were it to, the writes of its batch keep
  // the outcome they started with (start it as "not committed"), the
  // exception reaches this caller only, and the group goes on. Batches in
  // flight together hold different writes; their commits may end in any
  // order.
  template <typename CommitBatch>
  void submit(Write& write, CommitBatch&& commitBatch) {
    Waiter self(&write);
    MutexLock lock(mutex_);
    queue_.push_back(&self);
    self.wake.wait(lock.native(), [&]() CPE_REQUIRES(mutex_) {
      return self.done || (queue_.front() == &self && inFlight_ < maxInFlight_);
    });
    if (self.done) return;

    // This writer leads: it takes its batch off the queue, so writes
    // arriving meanwhile queue for the next batch.
    std::vector<Waiter*> members;
    std::vector<Write*> batch;
    const std::size_t size = std::min(queue_.size(), maxBatch_);
    members.reserve(size);
    batch.reserve(size);
    for (std::size_t i = 0; i < size; ++i) {
      members.push_back(queue_.front());
      batch.push_back(queue_.front()->write);
      queue_.pop_front();
    }
    ++inFlight_;
    committing_ += size;
    wakeNextLeaderLocked();
    lock.unlock();
    try {
      commitBatch(static_cast<const std::vector<Write*>&>(batch));
    } catch (...) {
      lock.lock();
      releaseLocked(members);
      throw;
    }
    lock.lock();
    releaseLocked(members);
  }

  // Writes queued or being committed now: how busy the group is, for
  // metrics and tests.
  std::size_t queued() const {
    MutexLock lock(mutex_);
    return queue_.size() + committing_;
  }

  // Batches being committed now.
  std::size_t inFlight() const {
    MutexLock lock(mutex_);
    return inFlight_;
  }

 private:
  struct Waiter {
    explicit Waiter(Write* pending) : write(pending) {}
    Write* write;
    bool done = false;  // read and written under the group's mutex_
    std::condition_variable wake;
  };

  // Wakes the writer at the head of the queue if it may lead a batch now.
  void wakeNextLeaderLocked() CPE_REQUIRES(mutex_) {
    if (!queue_.empty() && inFlight_ < maxInFlight_) queue_.front()->wake.notify_one();
  }

  // Wakes the writers of a committed batch (members[0] is its leader, who
  // is awake) and lets the next batch start.
  void releaseLocked(const std::vector<Waiter*>& members) CPE_REQUIRES(mutex_) {
    for (std::size_t i = 1; i < members.size(); ++i) {
      members[i]->done = true;
      members[i]->wake.notify_one();  // under the mutex: it cannot return and go away first
    }
    --inFlight_;
    committing_ -= members.size();
    wakeNextLeaderLocked();
  }

  const std::size_t maxBatch_;
  const std::size_t maxInFlight_;
  mutable Mutex mutex_;
  std::deque<Waiter*> queue_ CPE_GUARDED_BY(mutex_);  // not yet in a batch
  std::size_t inFlight_ CPE_GUARDED_BY(mutex_) = 0;    // batches being committed
  std::size_t committing_ CPE_GUARDED_BY(mutex_) = 0;  // writes in those batches
};

}  // namespace cpe
