#include "cpe/sdk/write_group.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

namespace cpe {
namespace {

using namespace std::chrono_literals;

// A pending write: a number, and the outcome its commit records.
struct Write {
  int value = 0;
  int outcome = -1;  // -1: not committed
};

// Records the batches it commits; a batch's commit may be held until the
// test lets it go, so that writers queue behind it.
class Committer {
 public:
  void operator()(const std::vector<Write*>& batch) {
    std::future<void> hold;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      std::vector<int> values;
      for (Write* write : batch) values.push_back(write->value);
      batches_.push_back(values);
      if (holdNext_) {
        hold = std::move(*holdNext_);
        holdNext_.reset();
        committing_.set_value();
      }
    }
    if (hold.valid()) hold.wait();
    for (Write* write : batch) write->outcome = write->value * 10;
  }

  // The next commit waits for `release` once it has started (the returned
  // future is ready then).
  std::future<void> holdNextCommit(std::future<void> release) {
    std::lock_guard<std::mutex> lock(mutex_);
    holdNext_ = std::move(release);
    committing_ = std::promise<void>();
    return committing_.get_future();
  }

  std::vector<std::vector<int>> batches() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return batches_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::vector<int>> batches_;
  std::optional<std::future<void>> holdNext_;
  std::promise<void> committing_;
};

// Submits `write` on its own thread; the future is ready once submit returned.
std::future<void> submitInBackground(WriteGroup<Write>& group, Write& write, Committer& committer) {
  return std::async(std::launch::async,
                    [&group, &write, &committer] { group.submit(write, std::ref(committer)); });
}

bool waitFor(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// Starts `first` in a commit held until `release`, then queues each of
// `later` behind it, one at a time so that they queue in a known order.
// The futures are ready once each submit returned.
std::vector<std::future<void>> queueBehindAHeldCommit(WriteGroup<Write>& group,
                                                      Committer& committer, Write& first,
                                                      std::vector<Write>& later,
                                                      std::future<void> release) {
  std::future<void> committing = committer.holdNextCommit(std::move(release));
  std::vector<std::future<void>> done;
  done.push_back(submitInBackground(group, first, committer));
  EXPECT_EQ(committing.wait_for(10s), std::future_status::ready);
  for (Write& write : later) {
    done.push_back(submitInBackground(group, write, committer));
    const std::size_t expected = done.size();
    EXPECT_TRUE(waitFor([&] { return group.queued() == expected; }));
  }
  return done;
}

// Writes numbered 0 to count - 1.
std::vector<Write> numberedWrites(std::size_t count) {
  std::vector<Write> writes(count);
  for (std::size_t i = 0; i < count; ++i) writes[i].value = static_cast<int>(i);
  return writes;
}

// Submits every write from eight threads at once, each taking every eighth.
template <typename AnyCommitter>
void submitFromEightThreads(WriteGroup<Write>& group, std::vector<Write>& writes,
                            AnyCommitter& committer) {
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = t; i < writes.size(); i += 8) {
        group.submit(writes[i], std::ref(committer));
      }
    });
  }
  for (auto& thread : threads) thread.join();
}

TEST(WriteGroup, ALoneWriterCommitsItsOwnWriteAtOnce) {
  WriteGroup<Write> group(8);
  Committer committer;
  Write write{7};
  group.submit(write, std::ref(committer));
  EXPECT_EQ(write.outcome, 70);
  EXPECT_EQ(committer.batches(), (std::vector<std::vector<int>>{{7}}));
  EXPECT_EQ(group.queued(), 0u);
}

TEST(WriteGroup, WritersQueuedDuringACommitShareTheNextOneInTheirOrder) {
  WriteGroup<Write> group(8);
  Committer committer;
  std::promise<void> release;
  Write first{1};
  std::vector<Write> later{{2}, {3}, {4}, {5}};
  auto done = queueBehindAHeldCommit(group, committer, first, later, release.get_future());
  EXPECT_EQ(first.outcome, -1) << "answered before its commit ended";
  release.set_value();

  for (auto& submitted : done) submitted.get();
  EXPECT_EQ(committer.batches(), (std::vector<std::vector<int>>{{1}, {2, 3, 4, 5}}));
  EXPECT_EQ(first.outcome, 10);
  for (const Write& write : later) EXPECT_EQ(write.outcome, write.value * 10);
  EXPECT_EQ(group.queued(), 0u);
}

TEST(WriteGroup, ABatchHoldsNoMoreThanTheLimit) {
  WriteGroup<Write> group(2);
  Committer committer;
  std::promise<void> release;
  Write first{1};
  std::vector<Write> later{{2}, {3}, {4}, {5}, {6}};
  auto done = queueBehindAHeldCommit(group, committer, first, later, release.get_future());
  release.set_value();

  for (auto& submitted : done) submitted.get();
  EXPECT_EQ(committer.batches(), (std::vector<std::vector<int>>{{1}, {2, 3}, {4, 5}, {6}}));
  for (const Write& write : later) EXPECT_EQ(write.outcome, write.value * 10);
}

TEST(WriteGroup, AThrowingCommitLeavesItsBatchUncommittedAndTheGroupGoesOn) {
  WriteGroup<Write> group(8);
  Write write{1};
  EXPECT_THROW(
      group.submit(write,
                   [](const std::vector<Write*>&) { throw std::runtime_error("disk on fire"); }),
      std::runtime_error);
  EXPECT_EQ(write.outcome, -1);
  EXPECT_EQ(group.queued(), 0u);

  Committer committer;
  Write next{2};
  group.submit(next, std::ref(committer));
  EXPECT_EQ(next.outcome, 20);
}

TEST(WriteGroup, ManyWritersEachGetTheirOwnOutcome) {
  WriteGroup<Write> group(16);
  Committer committer;
  std::vector<Write> writes = numberedWrites(400);
  submitFromEightThreads(group, writes, committer);
  std::size_t committed = 0;
  for (const auto& batch : committer.batches()) {
    EXPECT_LE(batch.size(), 16u);
    committed += batch.size();
  }
  EXPECT_EQ(committed, writes.size());
  for (const Write& write : writes) EXPECT_EQ(write.outcome, write.value * 10);
}

// Counts the commits running at once; each waits until the gate opens.
class GatedCommitter {
 public:
  void operator()(const std::vector<Write*>& batch) {
    const int now = ++running_;
    int most = mostAtOnce_.load();
    while (now > most && !mostAtOnce_.compare_exchange_weak(most, now)) {
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      std::vector<int> values;
      for (Write* write : batch) values.push_back(write->value);
      batches_.push_back(values);
    }
    gate_.wait();
    for (Write* write : batch) write->outcome = write->value * 10;
    --running_;
  }

  void open() { opener_.set_value(); }
  int running() const { return running_; }
  int mostAtOnce() const { return mostAtOnce_; }
  std::vector<std::vector<int>> batches() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return batches_;
  }

 private:
  std::promise<void> opener_;
  std::shared_future<void> gate_ = opener_.get_future().share();
  std::atomic<int> running_{0};
  std::atomic<int> mostAtOnce_{0};
  mutable std::mutex mutex_;
  std::vector<std::vector<int>> batches_;
};

TEST(WriteGroup, UpToTheLimitOfBatchesCommitAtOnceAndLaterWritersShareTheNext) {
  WriteGroup<Write> group(8, 2);
  GatedCommitter committer;
  std::vector<Write> writes{{1}, {2}, {3}, {4}};
  std::vector<std::future<void>> done;
  const auto submit = [&](Write& write) {
    done.push_back(std::async(std::launch::async, [&group, &write, &committer] {
      group.submit(write, std::ref(committer));
    }));
  };
  submit(writes[0]);
  ASSERT_TRUE(waitFor([&] { return committer.running() == 1; }));
  submit(writes[1]);
  EXPECT_TRUE(waitFor([&] { return committer.running() == 2; }))
      << "the second write waited for the first commit although a second may run";
  EXPECT_EQ(group.inFlight(), 2u);
  submit(writes[2]);
  EXPECT_TRUE(waitFor([&] { return group.queued() == 3; }));
  submit(writes[3]);
  EXPECT_TRUE(waitFor([&] { return group.queued() == 4; }));
  EXPECT_EQ(committer.running(), 2) << "a third commit started";
  committer.open();

  for (auto& submitted : done) submitted.get();
  auto batches = committer.batches();
  std::sort(batches.begin(), batches.end());
  EXPECT_EQ(batches, (std::vector<std::vector<int>>{{1}, {2}, {3, 4}}));
  for (const Write& write : writes) EXPECT_EQ(write.outcome, write.value * 10);
  EXPECT_EQ(committer.mostAtOnce(), 2);
  EXPECT_EQ(group.queued(), 0u);
  EXPECT_EQ(group.inFlight(), 0u);
}

TEST(WriteGroup, ManyWritersNeverRunMoreCommitsAtOnceThanTheLimit) {
  WriteGroup<Write> group(4, 3);
  GatedCommitter committer;
  committer.open();
  std::vector<Write> writes = numberedWrites(400);
  submitFromEightThreads(group, writes, committer);
  EXPECT_LE(committer.mostAtOnce(), 3);
  std::vector<int> committed;
  for (const auto& batch : committer.batches()) {
    EXPECT_LE(batch.size(), 4u);
    committed.insert(committed.end(), batch.begin(), batch.end());
  }
  std::sort(committed.begin(), committed.end());
  ASSERT_EQ(committed.size(), writes.size()) << "a write was committed twice or never";
  for (std::size_t i = 0; i < committed.size(); ++i) EXPECT_EQ(committed[i], static_cast<int>(i));
  for (const Write& write : writes) EXPECT_EQ(write.outcome, write.value * 10);
}

}  // namespace
}  // namespace cpe
