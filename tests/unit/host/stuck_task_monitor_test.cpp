// StuckTaskMonitor over the memory store. Its interval is counted in whole
// seconds, so each check here takes one.
#include "monitor/stuck_task_monitor.h"

#include <gtest/gtest.h>

#include <string>

#include "faulty_store.h"
#include "wait_for.h"

namespace cpe::host {
namespace {

using cpe::test::FaultyStore;
using cpe::test::StoreMethod;
using cpe::test::waitFor;

// A check every second (the shortest interval), of tasks older than an hour.
StuckTaskOptions everySecond() {
  StuckTaskOptions options;
  options.age = std::chrono::hours(1);
  options.checkInterval = std::chrono::seconds(1);
  return options;
}

class StuckTaskMonitorTest : public ::testing::Test {
 protected:
  void TearDown() override { monitor_.stop(); }

  void storeTask(const std::string& id, std::chrono::milliseconds age) {
    Task task;
    task.id = id;
    task.equipmentId = "ABC123";
    task.parametersJson = "{}";
    task.createdAt = nowMillis() - age.count();
    ASSERT_TRUE(store_.inner().insert(task).isOk());
  }

  void finish(const std::string& id) {
    TaskResult result;
    result.taskId = id;
    result.status = TaskStatus::kCompleted;
    result.code = 200;
    ASSERT_TRUE(store_.inner().complete(result).isOk());
  }

  // Returns once a whole check began and ended after the call (see
  // OutboxRelayTest::waitForAWholeSweep).
  bool waitForAWholeCheck() {
    const int before = store_.calls(StoreMethod::kQueuedBefore);
    return waitFor([&] { return store_.calls(StoreMethod::kQueuedBefore) >= before + 2; });
  }

  FaultyStore store_;
  StuckTaskMonitor monitor_{store_, everySecond(), nullptr};
};

TEST_F(StuckTaskMonitorTest, CountsTasksQueuedPastTheAgeAndZeroOnceTheyFinish) {
  storeTask("old-1", std::chrono::hours(2));
  storeTask("old-2", std::chrono::hours(3));
  storeTask("fresh", std::chrono::milliseconds(0));
  monitor_.start();

  ASSERT_TRUE(waitFor([&] { return monitor_.lastCount() == 2; }));
  finish("old-1");
  finish("old-2");
  ASSERT_TRUE(waitFor([&] { return monitor_.lastCount() == 0; }));
}

TEST_F(StuckTaskMonitorTest, AStoreErrorLeavesTheLastCountAsItWas) {
  storeTask("old-1", std::chrono::hours(2));
  storeTask("old-2", std::chrono::hours(3));
  monitor_.start();
  ASSERT_TRUE(waitFor([&] { return monitor_.lastCount() == 2; }));

  store_.failAlways(StoreMethod::kQueuedBefore, Status::unavailable("database down"));
  finish("old-1");  // a check that reached the store would now count 1
  ASSERT_TRUE(waitForAWholeCheck());
  EXPECT_EQ(monitor_.lastCount(), 2u);

  store_.heal();
  ASSERT_TRUE(waitFor([&] { return monitor_.lastCount() == 1; }));
}

}  // namespace
}  // namespace cpe::host
