// How long publishes have gone unacked, which IoLoop uses to give up a
// channel that nacks or ignores every publish.
#include "confirm_tracker.h"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace cpe::brokers::rabbitmq {
namespace {

using Clock = std::chrono::steady_clock;

class ConfirmTrackerTest : public ::testing::Test {
 protected:
  void publish() {
    tracker_.add(QueueRole::kTasks, "id",
                 [this](const Status& status) { answers_.push_back(status.isOk()); });
  }

  ConfirmTracker tracker_;
  std::vector<bool> answers_;
};

TEST_F(ConfirmTrackerTest, NothingIsUnackedBeforeThePublishesOrAfterTheirAcks) {
  EXPECT_FALSE(tracker_.unackedSince());
  publish();
  tracker_.confirm(1, /*multiple=*/false, /*ok=*/true);
  EXPECT_FALSE(tracker_.unackedSince());
  EXPECT_EQ(answers_, std::vector<bool>{true});
}

TEST_F(ConfirmTrackerTest, NacksDoNotEndTheUnackedTime) {
  const auto before = Clock::now();
  publish();
  const auto since = tracker_.unackedSince();
  ASSERT_TRUE(since);
  EXPECT_GE(*since, before);
  publish();
  tracker_.confirm(2, /*multiple=*/true, /*ok=*/false);
  EXPECT_EQ(tracker_.inFlight(), 0u);
  EXPECT_EQ(tracker_.unackedSince(), since) << "a nacked publish is not taken";
  publish();
  EXPECT_EQ(tracker_.unackedSince(), since);
  EXPECT_EQ(answers_, (std::vector<bool>{false, false}));
}

TEST_F(ConfirmTrackerTest, AnAckRestartsTheTimeOfThoseStillWaiting) {
  publish();
  publish();
  const auto first = tracker_.unackedSince();
  tracker_.confirm(1, /*multiple=*/false, /*ok=*/true);
  ASSERT_TRUE(tracker_.unackedSince()) << "publish 2 still waits";
  EXPECT_GE(*tracker_.unackedSince(), *first);
  tracker_.failAll(Status::unavailable("connection lost"));
  EXPECT_FALSE(tracker_.unackedSince()) << "a new channel starts afresh";
  EXPECT_EQ(answers_, (std::vector<bool>{true, false}));
}

}  // namespace
}  // namespace cpe::brokers::rabbitmq
