// TaskWatch: an announced task wakes its own waiters, at once, and no one
// else's; stop() wakes everyone for good.
#include "api/task_watch.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include "wait_for.h"

namespace cpe::host::api {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Wake = TaskWatch::Wake;

// Far beyond any test's own deadline: a wait that returns did not time out.
constexpr auto kLongWait = 1h;

// Subscribes to `taskId` on another thread and waits there for at most
// `limit`; `subscribed` is set once the subscription exists.
std::future<Wake> waitInBackground(TaskWatch& watch, const std::string& taskId,
                                   std::promise<void>& subscribed,
                                   std::chrono::milliseconds limit = kLongWait) {
  return std::async(std::launch::async, [&watch, taskId, &subscribed, limit] {
    TaskWatch::Subscription subscription = watch.subscribe(taskId);
    subscribed.set_value();
    return subscription.waitUntil(Clock::now() + limit);
  });
}

bool isReady(const std::future<Wake>& wake) {
  return wake.wait_for(0s) == std::future_status::ready;
}

TEST(TaskWatch, AnAnnouncementWakesTheTasksWaiters) {
  TaskWatch watch;
  std::promise<void> first;
  std::promise<void> second;
  auto one = waitInBackground(watch, "t1", first);
  auto two = waitInBackground(watch, "t1", second);
  first.get_future().wait();
  second.get_future().wait();
  watch.notifyTerminal("t1");
  ASSERT_TRUE(test::waitFor([&] { return isReady(one) && isReady(two); }));
  EXPECT_EQ(one.get(), Wake::kAnnounced);
  EXPECT_EQ(two.get(), Wake::kAnnounced);
}

TEST(TaskWatch, AnAnnouncementOfAnotherTaskWakesNobody) {
  TaskWatch watch;
  std::promise<void> subscribed;
  auto wake = waitInBackground(watch, "t1", subscribed, 300ms);
  subscribed.get_future().wait();
  watch.notifyTerminal("t2");
  EXPECT_EQ(wake.get(), Wake::kDeadline);
}

TEST(TaskWatch, AnAnnouncementBeforeTheWaitIsNotLost) {
  TaskWatch watch;
  TaskWatch::Subscription subscription = watch.subscribe("t1");
  watch.notifyTerminal("t1");  // as if between the waiter's read and its wait
  EXPECT_EQ(subscription.waitUntil(Clock::now() + kLongWait), Wake::kAnnounced);
  // Consumed: the next wait waits again.
  EXPECT_EQ(subscription.waitUntil(Clock::now() + 10ms), Wake::kDeadline);
}

TEST(TaskWatch, AnAnnouncementWithNobodyWatchingIsNotKept) {
  TaskWatch watch;
  watch.notifyTerminal("t1");
  TaskWatch::Subscription subscription = watch.subscribe("t1");
  EXPECT_EQ(subscription.waitUntil(Clock::now() + 10ms), Wake::kDeadline);
}

TEST(TaskWatch, TheDeadlineEndsAWaitWithoutAnnouncement) {
  TaskWatch watch;
  TaskWatch::Subscription subscription = watch.subscribe("t1");
  const auto deadline = Clock::now() + 50ms;
  EXPECT_EQ(subscription.waitUntil(deadline), Wake::kDeadline);
  EXPECT_GE(Clock::now(), deadline);
}

TEST(TaskWatch, StopWakesEveryWaiterAndEndsLaterWaitsAtOnce) {
  TaskWatch watch;
  std::promise<void> first;
  std::promise<void> second;
  auto one = waitInBackground(watch, "t1", first);
  auto two = waitInBackground(watch, "t2", second);
  first.get_future().wait();
  second.get_future().wait();
  watch.stop();
  ASSERT_TRUE(test::waitFor([&] { return isReady(one) && isReady(two); }));
  EXPECT_EQ(one.get(), Wake::kStopping);
  EXPECT_EQ(two.get(), Wake::kStopping);
  TaskWatch::Subscription late = watch.subscribe("t3");
  EXPECT_EQ(late.waitUntil(Clock::now() + kLongWait), Wake::kStopping);
}

TEST(TaskWatch, ASubscriptionEndedLeavesOthersOfTheSameTaskWatching) {
  TaskWatch watch;
  TaskWatch::Subscription staying = watch.subscribe("t1");
  { TaskWatch::Subscription leaving = watch.subscribe("t1"); }
  watch.notifyTerminal("t1");
  EXPECT_EQ(staying.waitUntil(Clock::now() + kLongWait), Wake::kAnnounced);
}

}  // namespace
}  // namespace cpe::host::api
