// RetentionSweeper over the memory store (behind FaultyStore, to count and
// fail its calls), with a clock the test sets.
#include "monitor/retention_sweeper.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <string>

#include "cpe/older_sdk_store.h"
#include "faulty_store.h"
#include "memory_store.h"
#include "wait_for.h"

namespace cpe::host {
namespace {

using cpe::test::FaultyStore;
using cpe::test::StoreMethod;
using cpe::test::waitFor;

constexpr EpochMillis kDay = EpochMillis{24} * 3600 * 1000;
constexpr EpochMillis kNow = 1'700'000'000'000;

RetentionOptions thirtyDaysInBatchesOf(std::size_t batch) {
  RetentionOptions options;
  options.days = std::chrono::hours(30 * 24);
  options.checkInterval = std::chrono::seconds(3600);
  options.batch = batch;
  options.pause = std::chrono::milliseconds(0);
  return options;
}

class RetentionSweeperTest : public ::testing::Test {
 protected:
  // A task created and (unless `finishedAt` is 0) finished at those times.
  void storeTask(TaskStore& store, const std::string& id, EpochMillis createdAt,
                 EpochMillis finishedAt) {
    Task task;
    task.id = id;
    task.equipmentId = "ABC123";
    task.parametersJson = "{}";
    task.createdAt = createdAt;
    task.updatedAt = createdAt;
    ASSERT_TRUE(store.insert(task).isOk());
    if (finishedAt == 0) return;
    TaskResult result;
    result.taskId = id;
    result.status = TaskStatus::kCompleted;
    result.code = 200;
    result.finishedAt = finishedAt;
    ASSERT_TRUE(store.complete(result).isOk());
  }

  bool exists(TaskStore& store, const std::string& id) { return store.get(id).isOk(); }

  FaultyStore store_;
  prometheus::Registry metrics_;
};

TEST_F(RetentionSweeperTest, DeletesInBatchesEveryTaskThatFinishedBeforeTheRetention) {
  for (int i = 0; i < 7; ++i) {
    storeTask(store_.inner(), "old" + std::to_string(i), kNow - 40 * kDay, kNow - 31 * kDay);
  }
  storeTask(store_.inner(), "recent", kNow - 40 * kDay, kNow - 29 * kDay);
  storeTask(store_.inner(), "queued", kNow - 400 * kDay, 0);

  RetentionSweeper sweeper(store_, thirtyDaysInBatchesOf(3), metrics_, [] { return kNow; });
  const DeletedRows deleted = sweeper.sweepOnce();

  EXPECT_EQ(deleted.tasks, 7u);
  EXPECT_EQ(store_.calls(StoreMethod::kDeleteFinishedBefore), 3) << "batches of 3, 3 and 1";
  for (int i = 0; i < 7; ++i) EXPECT_FALSE(exists(store_.inner(), "old" + std::to_string(i)));
  EXPECT_TRUE(exists(store_.inner(), "recent"));
  EXPECT_TRUE(exists(store_.inner(), "queued"));
}

TEST_F(RetentionSweeperTest, AFailedBatchEndsTheSweepUntilTheNextCheck) {
  for (int i = 0; i < 4; ++i) {
    storeTask(store_.inner(), "old" + std::to_string(i), kNow - 40 * kDay, kNow - 31 * kDay);
  }
  store_.failNext(StoreMethod::kDeleteFinishedBefore, 1, Status::unavailable("database down"));
  RetentionSweeper sweeper(store_, thirtyDaysInBatchesOf(2), metrics_, [] { return kNow; });

  EXPECT_EQ(sweeper.sweepOnce().tasks, 0u);
  EXPECT_EQ(store_.calls(StoreMethod::kDeleteFinishedBefore), 1);
  EXPECT_EQ(sweeper.sweepOnce().tasks, 4u) << "the next check deletes them";
}

TEST_F(RetentionSweeperTest, StartsSweepingAtStartAndStopsPromptly) {
  storeTask(store_.inner(), "old", kNow - 40 * kDay, kNow - 31 * kDay);
  RetentionSweeper sweeper(store_, thirtyDaysInBatchesOf(10), metrics_, [] { return kNow; });
  sweeper.start();
  EXPECT_TRUE(waitFor([&] { return !exists(store_.inner(), "old"); }));
  sweeper.stop();  // would wait an hour for the next check if it did not wake
  EXPECT_EQ(store_.calls(StoreMethod::kDeleteFinishedBefore), 1);
}

TEST_F(RetentionSweeperTest, AStoreWithoutRetentionKeepsEverything) {
  auto olderPlugin = plugin::behindRetentionDefaults(stores::memory::newMemoryStore());
  storeTask(*olderPlugin, "old", kNow - 40 * kDay, kNow - 31 * kDay);
  RetentionOptions options = thirtyDaysInBatchesOf(10);
  RetentionSweeper sweeper(*olderPlugin, options, metrics_, [] { return kNow; });
  EXPECT_EQ(sweeper.sweepOnce().tasks, 0u);
  EXPECT_TRUE(exists(*olderPlugin, "old"));
}

TEST_F(RetentionSweeperTest, ZeroDaysKeepsEveryTaskAndNeverCallsTheStore) {
  storeTask(store_.inner(), "old", kNow - 4000 * kDay, kNow - 3000 * kDay);
  RetentionOptions options = thirtyDaysInBatchesOf(10);
  options.days = std::chrono::hours(0);
  {
    RetentionSweeper sweeper(store_, options, metrics_, [] { return kNow; });
    sweeper.start();
    sweeper.stop();
  }
  EXPECT_EQ(store_.calls(StoreMethod::kDeleteFinishedBefore), 0);
  EXPECT_TRUE(exists(store_.inner(), "old"));
}

}  // namespace
}  // namespace cpe::host
