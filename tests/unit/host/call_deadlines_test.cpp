// CallDeadlines: cuts run once their deadline passes, in deadline order, and
// never after they were disarmed.
#include "worker/call_deadlines.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "cpe/sdk/mutex.h"
#include "wait_for.h"

namespace cpe::host {
namespace {

using cpe::test::waitFor;
using std::chrono::milliseconds;

TEST(CallDeadlines, ACutRunsOnceItsDeadlinePasses) {
  CallDeadlines deadlines;
  std::atomic<int> cuts{0};
  deadlines.arm(CallDeadlines::Clock::now() + milliseconds(20), [&] { ++cuts; });
  EXPECT_TRUE(waitFor([&] { return cuts.load() == 1; }));
}

TEST(CallDeadlines, ADisarmedCutNeverRuns) {
  CallDeadlines deadlines;
  std::atomic<bool> early{false};
  std::atomic<bool> marker{false};
  const auto now = CallDeadlines::Clock::now();
  const auto ticket = deadlines.arm(now + milliseconds(30), [&] { early = true; });
  deadlines.disarm(ticket);
  // Due later than the disarmed one: once it has run, the other would have.
  deadlines.arm(now + milliseconds(60), [&] { marker = true; });
  ASSERT_TRUE(waitFor([&] { return marker.load(); }));
  EXPECT_FALSE(early.load());
}

TEST(CallDeadlines, CutsRunInDeadlineOrderWhateverTheOrderTheyWereArmedIn) {
  CallDeadlines deadlines;
  Mutex mutex;
  std::vector<int> order;
  const auto now = CallDeadlines::Clock::now();
  for (int i : {3, 1, 2}) {
    deadlines.arm(now + milliseconds(20 * i), [&, i] {
      MutexLock lock(mutex);
      order.push_back(i);
    });
  }
  ASSERT_TRUE(waitFor([&] {
    MutexLock lock(mutex);
    return order.size() == 3;
  }));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(CallDeadlines, AnEarlierDeadlineArmedLaterIsNotDelayedByALaterOne) {
  CallDeadlines deadlines;
  std::atomic<bool> soon{false};
  deadlines.arm(CallDeadlines::Clock::now() + std::chrono::hours(1), [] {});
  deadlines.arm(CallDeadlines::Clock::now() + milliseconds(10), [&] { soon = true; });
  EXPECT_TRUE(waitFor([&] { return soon.load(); }));
}

// The thread waits for the earliest deadline; disarming that one frees its
// entry under the waiting thread (AddressSanitizer saw it read freed memory).
TEST(CallDeadlines, DisarmingTheDeadlineBeingWaitedForIsSafe) {
  CallDeadlines deadlines;
  std::atomic<bool> later{false};
  const auto waitedFor = deadlines.arm(CallDeadlines::Clock::now() + std::chrono::hours(1), [] {});
  std::this_thread::yield();
  deadlines.disarm(waitedFor);
  deadlines.arm(CallDeadlines::Clock::now() + milliseconds(10), [&] { later = true; });
  EXPECT_TRUE(waitFor([&] { return later.load(); }));
}

}  // namespace
}  // namespace cpe::host
