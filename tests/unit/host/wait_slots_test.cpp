#include "api/wait_slots.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <optional>

namespace cpe::host::api {
namespace {

using namespace std::chrono_literals;

TEST(WaitSlots, GivesAtMostItsCapacityAndTakesThemBackWhenReleased) {
  WaitSlots slots(2);
  std::optional<WaitSlots::Slot> first(slots.tryTake());
  const WaitSlots::Slot second = slots.tryTake();
  EXPECT_TRUE(first->taken());
  EXPECT_TRUE(second.taken());
  EXPECT_EQ(slots.held(), 2);
  EXPECT_FALSE(slots.tryTake().taken()) << "beyond the cap";
  EXPECT_EQ(slots.held(), 2) << "a refusal holds nothing";
  first.reset();
  EXPECT_EQ(slots.held(), 1);
  EXPECT_TRUE(slots.tryTake().taken());
}

TEST(WaitSlots, CapacityZeroRefusesEveryone) {
  WaitSlots slots(0);
  EXPECT_FALSE(slots.tryTake().taken());
  EXPECT_EQ(slots.held(), 0);
}

TEST(WaitSlots, AMovedSlotIsReleasedOnce) {
  WaitSlots slots(1);
  {
    WaitSlots::Slot original = slots.tryTake();
    const WaitSlots::Slot moved(std::move(original));
    EXPECT_TRUE(moved.taken());
    EXPECT_EQ(slots.held(), 1);
  }
  EXPECT_EQ(slots.held(), 0);
}

TEST(WaitSlots, AwaitNoneHeldReturnsOnceTheLastIsReleased) {
  WaitSlots slots(1);
  std::optional<WaitSlots::Slot> held(slots.tryTake());
  EXPECT_FALSE(slots.awaitNoneHeld(10ms));
  auto released = std::async(std::launch::async, [&] { held.reset(); });
  EXPECT_TRUE(slots.awaitNoneHeld(1h));
  released.get();
}

}  // namespace
}  // namespace cpe::host::api
