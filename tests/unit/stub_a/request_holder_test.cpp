#include "request_holder.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace cpe::stub {
namespace {

using namespace std::chrono_literals;

TEST(RequestHolder, CountsHeldRequestsAndThePeak) {
  RequestHolder holder;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) threads.emplace_back([&] { holder.hold(1h); });
  while (holder.snapshot().held < 8) std::this_thread::sleep_for(1ms);
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
  while (holder.snapshot().held < 1) std::this_thread::sleep_for(1ms);
  holder.shutdown();
  waiter.join();
  EXPECT_FALSE(completed);
  EXPECT_FALSE(holder.hold(1h));
}

TEST(RequestHolder, AwaitDrainedReturnsOnceTheLastHeldCallEnds) {
  RequestHolder holder;
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back([&] { holder.hold(200ms); });
  while (holder.snapshot().held < 4) std::this_thread::sleep_for(1ms);
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
