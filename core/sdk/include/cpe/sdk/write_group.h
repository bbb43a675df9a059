#pragma once

// Group commit for a store plugin's writes (LevelDB's DBImpl::Write and
// BuildBatchGroup): every caller queues its write; the one at the head of the
// queue takes the writes waiting behind it (up to a limit), commits them in
// one transaction for all, and wakes each with its own outcome. No timer: a
// lone writer commits at once, and under load one commit (one fsync) serves
// every write that queued while the one before it was on disk.

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
  // At most `maxBatch` writes (at least 1) share a commit.
  explicit WriteGroup(std::size_t maxBatch) : maxBatch_(std::max<std::size_t>(maxBatch, 1)) {}
  WriteGroup(const WriteGroup&) = delete;
  WriteGroup& operator=(const WriteGroup&) = delete;

  // Queues `write` and returns once a batch holding it has been committed:
  // by this thread, if it reaches the head of the queue, with
  // `commitBatch(const std::vector<Write*>& batch)` (batch[0] is its own
  // write, the rest in the order they queued); otherwise by the thread that
  // led its batch. commitBatch records every write's outcome in the write and
  // must not throw: were it to, the writes of its batch keep the outcome they
  // started with (start it as "not committed"), the exception reaches this
  // caller only, and the group goes on with the next batch.
  // Writes queued now, the one being committed included: how deep the
  // queue is, for metrics and tests.
  std::size_t queued() const {
    MutexLock lock(mutex_);
    return queue_.size();
  }

  template <typename CommitBatch>
  void submit(Write& write, CommitBatch&& commitBatch) {
    Waiter self(&write);
    MutexLock lock(mutex_);
    queue_.push_back(&self);
    self.wake.wait(lock.native(),
                   [&]() CPE_REQUIRES(mutex_) { return self.done || queue_.front() == &self; });
    if (self.done) return;

    // This writer leads. It stays at the head while it commits, so writes
    // arriving meanwhile queue behind the batch and form the next one.
    std::vector<Write*> batch;
    const std::size_t size = std::min(queue_.size(), maxBatch_);
    batch.reserve(size);
    for (std::size_t i = 0; i < size; ++i) batch.push_back(queue_[i]->write);
    lock.unlock();
    try {
      commitBatch(static_cast<const std::vector<Write*>&>(batch));
    } catch (...) {
      lock.lock();
      releaseLocked(size);
      throw;
    }
    lock.lock();
    releaseLocked(size);
  }

 private:
  struct Waiter {
    explicit Waiter(Write* pending) : write(pending) {}
    Write* write;
    bool done = false;  // read and written under the group's mutex_
    std::condition_variable wake;
  };

  // Takes the committed batch off the queue, wakes its writers, and hands
  // the head to the next waiting writer, who leads the next batch.
  void releaseLocked(std::size_t size) CPE_REQUIRES(mutex_) {
    Waiter* leader = queue_.front();
    for (std::size_t i = 0; i < size; ++i) {
      Waiter* waiter = queue_.front();
      queue_.pop_front();
      if (waiter != leader) {
        waiter->done = true;
        waiter->wake.notify_one();  // under the mutex: it cannot return and go away first
      }
    }
    if (!queue_.empty()) queue_.front()->wake.notify_one();
  }

  const std::size_t maxBatch_;
  mutable Mutex mutex_;
  std::deque<Waiter*> queue_ CPE_GUARDED_BY(mutex_);
};

}  // namespace cpe
