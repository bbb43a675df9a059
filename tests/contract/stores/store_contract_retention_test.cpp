// The TaskStore contract of SDK 6.3 (cpe/sdk/task_store.h): deleting
// tasks that finished before a cut-off, and idempotency keys as old. A
// plugin without it answers kUnimplemented (TaskStore's default, and what
// the host's adapter answers for a plugin built before 6.3): these tests
// skip it, and the host keeps every task.

#include <gtest/gtest.h>

#include <limits>
#include <set>
#include <string>
#include <vector>

#include "store_contract.h"

namespace cpe::testing {
namespace {

constexpr EpochMillis kT0 = 1'700'000'000'000;
constexpr EpochMillis kForever = std::numeric_limits<EpochMillis>::max();

bool deletesNothingEver(TaskStore& store) {
  return store.deleteFinishedBefore(kT0, 1).status().code() == StatusCode::kUnimplemented;
}
#define CPE_SKIP_WITHOUT_RETENTION() \
  if (deletesNothingEver(*store_)) GTEST_SKIP() << "the store keeps every task (no retention)"

// Inserts a task created at `createdAt` and ends it at `finishedAt`.
void insertFinished(TaskStore& store, const std::string& id, EpochMillis createdAt,
                    EpochMillis finishedAt) {
  ASSERT_TRUE(store.insert(makeTask(id, createdAt)).isOk());
  TaskResult result;
  result.taskId = id;
  result.equipmentId = "SN-" + id;
  result.status = TaskStatus::kCompleted;
  result.code = 200;
  result.message = "done";
  result.finishedAt = finishedAt;
  auto applied = store.complete(result);
  ASSERT_TRUE(applied.isOk()) << applied.status().toString();
  ASSERT_TRUE(applied.value());
}

DeletedRows deleteBefore(TaskStore& store, EpochMillis cutOff, std::size_t limit) {
  auto deleted = store.deleteFinishedBefore(cutOff, limit);
  EXPECT_TRUE(deleted.isOk()) << deleted.status().toString();
  return deleted.isOk() ? deleted.value() : DeletedRows{};
}

bool exists(TaskStore& store, const std::string& id) {
  auto task = store.get(id);
  EXPECT_TRUE(task.isOk() || task.status().code() == StatusCode::kNotFound)
      << task.status().toString();
  return task.isOk();
}

TEST_P(StoreContract, RetentionDeletesOnlyTasksThatFinishedBeforeTheCutOff) {
  CPE_SKIP_WITHOUT_RETENTION();
  insertOrFail("queued", kT0);
  insertFinished(*store_, "early", kT0 + 1, kT0 + 10);
  insertFinished(*store_, "later", kT0 + 2, kT0 + 20);
  insertFinished(*store_, "recent", kT0 + 3, kT0 + 100);
  insertFinished(*store_, "at-cut-off", kT0 + 4, kT0 + 50);

  const DeletedRows deleted = deleteBefore(*store_, kT0 + 50, 100);
  EXPECT_EQ(deleted.tasks, 2u);
  EXPECT_FALSE(exists(*store_, "early"));
  EXPECT_FALSE(exists(*store_, "later"));
  EXPECT_TRUE(exists(*store_, "queued"));
  EXPECT_TRUE(exists(*store_, "recent"));
  EXPECT_TRUE(exists(*store_, "at-cut-off")) << "the cut-off itself is kept";
  EXPECT_EQ(deleteBefore(*store_, kT0 + 50, 100).tasks, 0u) << "nothing older is left";
}

TEST_P(StoreContract, RetentionNeverDeletesAQueuedTaskHoweverOld) {
  CPE_SKIP_WITHOUT_RETENTION();
  insertOrFail("ancient", kT0 - 1'000'000'000);
  const DeletedRows deleted = deleteBefore(*store_, kForever, 100);
  EXPECT_EQ(deleted.tasks, 0u);
  EXPECT_TRUE(exists(*store_, "ancient"));
  auto outbox = store_->unpublished(10, kForever);
  ASSERT_TRUE(outbox.isOk()) << outbox.status().toString();
  ASSERT_EQ(outbox.value().size(), 1u);
  EXPECT_EQ(outbox.value()[0].id, "ancient");
}

TEST_P(StoreContract, RetentionDeletesTheOldestFirstAndNoMoreThanTheLimit) {
  CPE_SKIP_WITHOUT_RETENTION();
  // Created in one order, finished in another: the finish time counts.
  insertFinished(*store_, "c", kT0 + 1, kT0 + 30);
  insertFinished(*store_, "a", kT0 + 2, kT0 + 10);
  insertFinished(*store_, "b", kT0 + 3, kT0 + 20);

  EXPECT_EQ(deleteBefore(*store_, kT0 + 100, 2).tasks, 2u);
  EXPECT_FALSE(exists(*store_, "a"));
  EXPECT_FALSE(exists(*store_, "b"));
  EXPECT_TRUE(exists(*store_, "c"));
  EXPECT_EQ(deleteBefore(*store_, kT0 + 100, 2).tasks, 1u);
  EXPECT_FALSE(exists(*store_, "c"));
}

TEST_P(StoreContract, RetentionADeletedTaskLeavesItsDevicesHistory) {
  CPE_SKIP_WITHOUT_RETENTION();
  insertFinished(*store_, "old", kT0, kT0 + 10);
  insertFinished(*store_, "new", kT0 + 1, kT0 + 100);
  ASSERT_EQ(deleteBefore(*store_, kT0 + 50, 10).tasks, 1u);
  for (const std::string device : {"SN-old", "SN-new"}) {
    auto history = store_->listDeviceTasks(device, 10, std::nullopt);
    ASSERT_TRUE(history.isOk()) << history.status().toString();
    if (device == "SN-old") {
      EXPECT_TRUE(history.value().empty()) << "the deleted task is still listed";
    } else {
      ASSERT_EQ(history.value().size(), 1u);
      EXPECT_EQ(history.value()[0].id, "new");
    }
  }
}

TEST_P(StoreContract, RetentionKeysTakenBeforeTheCutOffGoAndTheKeyIsFreeAgain) {
  CPE_SKIP_WITHOUT_RETENTION();
  Task first = makeTask("first", kT0);
  first.equipmentId = "SN-KEYED";
  auto stored = store_->insertWithKey(first, "key-1", kT0 - 1);
  ASSERT_TRUE(stored.isOk()) << stored.status().toString();
  TaskResult result;
  result.taskId = "first";
  result.equipmentId = "SN-KEYED";
  result.status = TaskStatus::kFailed;
  result.code = 500;
  result.message = "boom";
  result.finishedAt = kT0 + 10;
  ASSERT_TRUE(store_->complete(result).isOk());
  Task recent = makeTask("recent", kT0 + 200);
  recent.equipmentId = "SN-KEYED";
  ASSERT_TRUE(store_->insertWithKey(recent, "key-2", kT0).isOk());

  const DeletedRows deleted = deleteBefore(*store_, kT0 + 50, 10);
  EXPECT_EQ(deleted.tasks, 1u);
  EXPECT_EQ(deleted.keys, 1u) << "only key-1 was taken before the cut-off";

  // Asked for within a window that would have found "first": the key is
  // free, so this stores the new task rather than answering a deleted one.
  Task again = makeTask("again", kT0 + 300);
  again.equipmentId = "SN-KEYED";
  auto repeated = store_->insertWithKey(again, "key-1", kT0 - 1);
  ASSERT_TRUE(repeated.isOk()) << repeated.status().toString();
  EXPECT_EQ(repeated.value().id, "again");
  Task other = makeTask("other", kT0 + 301);
  other.equipmentId = "SN-KEYED";
  auto kept = store_->insertWithKey(other, "key-2", kT0);
  ASSERT_TRUE(kept.isOk()) << kept.status().toString();
  EXPECT_EQ(kept.value().id, "recent") << "key-2 is recent and still owned";
}

}  // namespace
}  // namespace cpe::testing
