// LostTaskReconciler over the fake broker and the memory store. Each test
// runs check() itself; with no hold and no margin, a moment of an empty
// tasks queue counts at once.
#include "monitor/lost_task_reconciler.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "collected_metrics.h"
#include "fake_broker.h"
#include "faulty_store.h"
#include "wait_for.h"

namespace cpe::host {
namespace {

using cpe::test::FakeBroker;
using cpe::test::FaultyStore;
using cpe::test::StoreMethod;
using cpe::test::waitFor;

LostTaskOptions republishOnce() {
  LostTaskOptions options;
  options.margin = std::chrono::seconds(0);
  options.maxRepublishes = 1;
  return options;
}

class LostTaskReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(broker_.start().isOk()); }
  void TearDown() override { broker_.stop(); }

  // A task the broker confirmed `times` times, each publish marked in the
  // store; returns once the store's clock has moved past the last mark, so
  // that a count asked for now comes after it.
  void storePublished(const std::string& id, int times = 1) {
    Task task;
    task.id = id;
    task.equipmentId = "ABC123";
    task.parametersJson = "{}";
    task.createdAt = nowMillis();
    ASSERT_TRUE(store_.inner().insert(task).isOk());
    for (int i = 0; i < times; ++i) ASSERT_TRUE(store_.inner().markPublished({id}).isOk());
    const EpochMillis marked = nowMillis();
    ASSERT_TRUE(waitFor([&] { return nowMillis() > marked; }));
  }

  bool backInTheOutbox(const std::string& id) {
    const auto outbox =
        store_.inner().unpublished(1000, std::numeric_limits<EpochMillis>::max()).value();
    for (const Task& task : outbox) {
      if (task.id == id) return true;
    }
    return false;
  }

  TaskStatus statusOf(const std::string& id) { return store_.inner().get(id).value().status; }

  // A message ready in `queue`, as the relay's publish would leave it.
  void putReady(QueueRole queue, const std::string& id) {
    broker_.inject(queue, id, "{}");
    ASSERT_TRUE(waitFor([&] { return broker_.readyCount(queue) > 0; }));
  }

  FakeBroker broker_;
  FaultyStore store_;
  prometheus::Registry metrics_;
};

TEST_F(LostTaskReconcilerTest, ATaskPublishedBeforeTheQueueWasSeenEmptyGoesBackToTheOutbox) {
  storePublished("lost");
  LostTaskReconciler reconciler(store_, broker_, republishOnce(), std::chrono::seconds(0), metrics_);

  reconciler.check();

  EXPECT_TRUE(backInTheOutbox("lost"));
  EXPECT_EQ(statusOf("lost"), TaskStatus::kQueued);
  EXPECT_EQ(reconciler.view().state, TasksQueueView::State::kEmpty);
  EXPECT_EQ(testing::counterValue(metrics_, "cpe_tasks_republished_total"), 1);
}

TEST_F(LostTaskReconcilerTest, ATaskWaitingBehindABacklogIsLeftAlone) {
  storePublished("waiting");
  putReady(QueueRole::kTasks, "waiting");
  LostTaskReconciler reconciler(store_, broker_, republishOnce(), std::chrono::seconds(0), metrics_);

  reconciler.check();
  reconciler.check();

  EXPECT_FALSE(backInTheOutbox("waiting"));
  EXPECT_EQ(reconciler.view().state, TasksQueueView::State::kBacklog);
  EXPECT_EQ(reconciler.view().ready, 1u);
  EXPECT_EQ(store_.calls(StoreMethod::kMarkUnpublished), 0);
}

TEST_F(LostTaskReconcilerTest, NothingIsLostBeforeTheHoldAndMarginHavePassed) {
  storePublished("held");
  LostTaskReconciler reconciler(store_, broker_, republishOnce(), std::chrono::hours(1), metrics_);

  reconciler.check();

  EXPECT_FALSE(backInTheOutbox("held"));
  EXPECT_EQ(store_.calls(StoreMethod::kPublishedBefore), 0);
}

TEST_F(LostTaskReconcilerTest, AQueueEmptyOnceButWithABacklogNowIsNotTrusted) {
  storePublished("maybe-returned");
  LostTaskOptions options = republishOnce();
  LostTaskReconciler reconciler(store_, broker_, options, std::chrono::seconds(0), metrics_);
  putReady(QueueRole::kTasks, "someone-else");

  reconciler.check();

  EXPECT_FALSE(backInTheOutbox("maybe-returned"));
}

TEST_F(LostTaskReconcilerTest, AResultWaitingToBeAppliedHoldsTheCheckBack) {
  storePublished("answered");
  putReady(QueueRole::kResults, "answered");
  LostTaskReconciler reconciler(store_, broker_, republishOnce(), std::chrono::seconds(0), metrics_);

  reconciler.check();

  EXPECT_FALSE(backInTheOutbox("answered"));
}

TEST_F(LostTaskReconcilerTest, ATaskLostAfterEveryRepublishFails) {
  storePublished("lost-twice", /*times=*/2);  // the first publish and one republish
  LostTaskReconciler reconciler(store_, broker_, republishOnce(), std::chrono::seconds(0), metrics_);

  reconciler.check();

  const Task task = store_.inner().get("lost-twice").value();
  EXPECT_EQ(task.status, TaskStatus::kFailed);
  EXPECT_EQ(task.resultCode, 500);
  EXPECT_FALSE(backInTheOutbox("lost-twice"));
  EXPECT_EQ(testing::counterValue(metrics_, "cpe_tasks_lost_total"), 1);
}

TEST_F(LostTaskReconcilerTest, ABrokerThatCannotCountLeavesEveryTaskAlone) {
  storePublished("unknown");
  broker_.setCountable(false);
  LostTaskReconciler reconciler(store_, broker_, republishOnce(), std::chrono::seconds(0), metrics_);

  reconciler.check();

  EXPECT_FALSE(backInTheOutbox("unknown"));
  EXPECT_EQ(reconciler.view().state, TasksQueueView::State::kUncountable);
}

TEST_F(LostTaskReconcilerTest, ABrokerThatIsDownLeavesEveryTaskAlone) {
  storePublished("unknown");
  broker_.setHealthy(false);
  LostTaskReconciler reconciler(store_, broker_, republishOnce(), std::chrono::seconds(0), metrics_);

  reconciler.check();

  EXPECT_FALSE(backInTheOutbox("unknown"));
  EXPECT_EQ(reconciler.view().state, TasksQueueView::State::kUnknown);
}

}  // namespace
}  // namespace cpe::host
