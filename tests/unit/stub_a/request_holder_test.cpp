#include "request_holder.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <thread>
#include <vector>

#include "wait_for.h"

namespace cpe::stub {
namespace {

using namespace std::chrono_literals;

// Waits until `count` calls are held, for up to the suite's wait deadline;
// false if they never are. Checked with EXPECT, not ASSERT: a test goes on to
// end and join its threads either way, never leaving one joinable.
bool awaitHeld(const RequestHolder& holder, std::int64_t count) {
  return test::waitFor([&] { return holder.snapshot().held >= count; });
}

TEST(RequestHolder, CountsHeldRequestsAndThePeak) {
  RequestHolder holder;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) threads.emplace_back([&] { holder.hold(1h); });
  EXPECT_TRUE(awaitHeld(holder, 8));
  EXPECT_EQ(holder.snapshot().maxHeld, 8);
  holder.shutdown();
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(holder.snapshot().held, 0);
  EXPECT_EQ(holder.snapshot().maxHeld, 8);
}

TEST(RequestHolder, HoldReturnsTrueAfterTheFullDelay) {
  RequestHolder holder;
  EXPECT_TRUE(holder.hold(1ms));
}

TEST(RequestHolder, ShutdownCutsHoldsShortAndRefusesNewOnes) {
  RequestHolder holder;
  bool completed = true;
  std::thread waiter([&] { completed = holder.hold(1h); });
  EXPECT_TRUE(awaitHeld(holder, 1));
  holder.shutdown();
  waiter.join();
  EXPECT_FALSE(completed);
  EXPECT_FALSE(holder.hold(1h));
}

TEST(RequestHolder, AwaitDrainedReturnsOnceTheLastHeldCallEnds) {
  RequestHolder holder;
  std::vector<std::thread> threads;
  // Held for a second: long enough that all four are held at once even on a
  // loaded machine, so the wait below sees them together.
  for (int i = 0; i < 4; ++i) threads.emplace_back([&] { holder.hold(1s); });
  EXPECT_TRUE(awaitHeld(holder, 4));
  const auto started = std::chrono::steady_clock::now();
  holder.awaitDrained(std::chrono::minutes(2));
  // Woken by the last call's end, not by the two minutes running out.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::minutes(1));
  EXPECT_EQ(holder.snapshot().held, 0);
  for (auto& thread : threads) thread.join();
}

TEST(RequestHolder, CountsAnswersByStatus) {
  RequestHolder holder;
  holder.countReceived();
  holder.countReceived();
  holder.countAnswer(200);
  holder.countAnswer(404);
  holder.countAnswer(200);
  const auto counts = holder.snapshot();
  EXPECT_EQ(counts.received, 2);
  EXPECT_EQ(counts.answered.at(200), 2);
  EXPECT_EQ(counts.answered.at(404), 1);
}

}  // namespace
}  // namespace cpe::stub
