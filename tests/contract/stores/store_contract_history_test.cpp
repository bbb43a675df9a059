// TaskStore::listDeviceTasks (cpe/sdk/task_store.h), proved against every
// store plugin like the rest of the contract (store_contract_test.cpp): a
// device's history, newest first, paged by position.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "store_contract.h"

namespace cpe::testing {
namespace {

constexpr EpochMillis kT0 = 1'700'000'000'000;
constexpr const char* kDevice = "SN-HISTORY";
constexpr std::size_t kAll = 1000;

// A queued task of `device` created at kT0 + `offset`, stored.
Task insertDeviceTask(TaskStore& store, const std::string& id, EpochMillis offset,
                      const std::string& device = kDevice) {
  Task task = makeTask(id, kT0 + offset);
  task.equipmentId = device;
  Status inserted = store.insert(task);
  EXPECT_TRUE(inserted.isOk()) << inserted.toString();
  return task;
}

std::vector<TaskSummary> listOrFail(TaskStore& store, std::size_t limit,
                                    const std::optional<TaskPosition>& after = std::nullopt,
                                    const std::string& device = kDevice) {
  auto listed = store.listDeviceTasks(device, limit, after);
  EXPECT_TRUE(listed.isOk()) << listed.status().toString();
  return listed.isOk() ? listed.value() : std::vector<TaskSummary>{};
}

std::vector<std::string> idsOf(const std::vector<TaskSummary>& tasks) {
  std::vector<std::string> ids;
  for (const auto& task : tasks) ids.push_back(task.id);
  return ids;
}

TaskPosition positionOf(const TaskSummary& task) { return {task.createdAt, task.id}; }

using Ids = std::vector<std::string>;

TEST_P(StoreContract, HistoryListsTheDevicesTasksNewestFirstAndNoOtherDevicesTasks) {
  insertDeviceTask(*store_, "h1", 10);
  insertDeviceTask(*store_, "h3", 30);
  insertDeviceTask(*store_, "other", 20, "SN-OTHER");
  insertDeviceTask(*store_, "h2", 20);
  insertDeviceTask(*store_, "prefix", 25,
                   "SN-HISTORY2");  // a device whose id starts like kDevice's
  EXPECT_EQ(idsOf(listOrFail(*store_, kAll)), (Ids{"h3", "h2", "h1"}));
  EXPECT_EQ(idsOf(listOrFail(*store_, kAll, std::nullopt, "SN-OTHER")), Ids{"other"});
}

TEST_P(StoreContract, HistoryTasksOfOneMillisecondAreOrderedByIdDescendingByteByByte) {
  // Byte order puts '-' before digits and letters, and upper case before
  // lower case, where a locale's collation would not.
  for (const char* id : {"t-b", "t-B", "t-a", "t-1", "t--", "tZ"}) insertDeviceTask(*store_, id, 5);
  insertDeviceTask(*store_, "newer", 6);
  insertDeviceTask(*store_, "older", 4);
  EXPECT_EQ(idsOf(listOrFail(*store_, kAll)),
            (Ids{"newer", "tZ", "t-b", "t-a", "t-B", "t-1", "t--", "older"}));
}

TEST_P(StoreContract, HistoryHonoursTheLimit) {
  for (int i = 0; i < 5; ++i) insertDeviceTask(*store_, "h" + std::to_string(i), i);
  EXPECT_EQ(idsOf(listOrFail(*store_, 2)), (Ids{"h4", "h3"}));
  EXPECT_EQ(listOrFail(*store_, 5).size(), 5u);
  EXPECT_TRUE(listOrFail(*store_, 0).empty());
}

TEST_P(StoreContract, HistoryPagingFromTheLastTaskOfEachPageWalksTheWholeHistoryOnce) {
  // Ties across page boundaries: three tasks share each millisecond.
  for (int i = 0; i < 8; ++i) insertDeviceTask(*store_, "p" + std::to_string(i), i / 3);
  insertDeviceTask(*store_, "elsewhere", 1, "SN-OTHER");
  const Ids all = idsOf(listOrFail(*store_, kAll));
  ASSERT_EQ(all, (Ids{"p7", "p6", "p5", "p4", "p3", "p2", "p1", "p0"}));

  Ids walked;
  std::optional<TaskPosition> after;
  std::vector<std::size_t> sizes;
  for (int pages = 0; pages < 10; ++pages) {
    const auto page = listOrFail(*store_, 3, after);
    sizes.push_back(page.size());
    if (page.empty()) break;
    for (const auto& task : page) walked.push_back(task.id);
    after = positionOf(page.back());
  }
  EXPECT_EQ(walked, all);
  EXPECT_EQ(sizes, (std::vector<std::size_t>{3, 3, 2, 0}));
}

TEST_P(StoreContract, HistoryPositionNeedNotBeAStoredTask) {
  insertDeviceTask(*store_, "a", 10);
  insertDeviceTask(*store_, "c", 20);
  insertDeviceTask(*store_, "e", 20);
  insertDeviceTask(*store_, "g", 30);
  // Between e and c in history order.
  EXPECT_EQ(idsOf(listOrFail(*store_, kAll, TaskPosition{kT0 + 20, "d"})), (Ids{"c", "a"}));
  // Before everything and after everything.
  EXPECT_EQ(idsOf(listOrFail(*store_, kAll, TaskPosition{kT0 + 99, ""})),
            (Ids{"g", "e", "c", "a"}));
  EXPECT_TRUE(listOrFail(*store_, kAll, TaskPosition{kT0, "a"}).empty());
}

TEST_P(StoreContract, HistoryADeviceWithNoTasksIsAnEmptyListNotNotFound) {
  insertDeviceTask(*store_, "somebody-elses", 1, "SN-OTHER");
  auto listed = store_->listDeviceTasks("SN-NOBODY", 10, std::nullopt);
  ASSERT_TRUE(listed.isOk()) << listed.status().toString();
  EXPECT_TRUE(listed.value().empty());
  listed = store_->listDeviceTasks("SN-NOBODY", 10, TaskPosition{kT0 + 5, "x"});
  ASSERT_TRUE(listed.isOk()) << listed.status().toString();
  EXPECT_TRUE(listed.value().empty());
}

TEST_P(StoreContract, HistorySummariesCarryStatusAndTimesAsTheTaskHasThemNow) {
  insertDeviceTask(*store_, "queued", 1);
  insertDeviceTask(*store_, "done", 2);
  insertDeviceTask(*store_, "gone", 3);
  TaskResult done;
  done.taskId = "done";
  done.equipmentId = kDevice;
  done.status = TaskStatus::kCompleted;
  done.code = 200;
  done.message = "success";
  done.finishedAt = kT0 + 500;
  ASSERT_TRUE(store_->complete(done).isOk());
  TaskResult gone = done;
  gone.taskId = "gone";
  gone.status = TaskStatus::kEquipmentNotFound;
  gone.code = 404;
  gone.finishedAt = kT0 + 600;
  ASSERT_TRUE(store_->complete(gone).isOk());
  ASSERT_TRUE(store_->markPublished({"queued"}).isOk());  // publishing is not finishing

  const auto listed = listOrFail(*store_, kAll);
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0].id, "gone");
  EXPECT_EQ(listed[0].status, TaskStatus::kEquipmentNotFound);
  EXPECT_EQ(listed[0].createdAt, kT0 + 3);
  EXPECT_EQ(listed[0].updatedAt, kT0 + 600);
  EXPECT_EQ(listed[1].status, TaskStatus::kCompleted);
  EXPECT_EQ(listed[1].updatedAt, kT0 + 500);
  EXPECT_EQ(listed[2].id, "queued");
  EXPECT_EQ(listed[2].status, TaskStatus::kQueued);
  EXPECT_EQ(listed[2].createdAt, kT0 + 1);
  EXPECT_EQ(listed[2].updatedAt, kT0 + 1);
}

TEST_P(StoreContract, HistoryTasksStoredWhileAClientPagesDoNotShiftItsLaterPages) {
  for (int i = 0; i < 4; ++i) insertDeviceTask(*store_, "h" + std::to_string(i), i);
  const auto first = listOrFail(*store_, 2);
  ASSERT_EQ(idsOf(first), (Ids{"h3", "h2"}));
  insertDeviceTask(*store_, "newest", 100);
  insertDeviceTask(*store_, "same-ms-as-h2", 2);  // sorts after h2: ids descending, 's' > 'h'
  EXPECT_EQ(idsOf(listOrFail(*store_, kAll, positionOf(first.back()))), (Ids{"h1", "h0"}));
}

TEST_P(StoreContract, HistoryTasksStoredWithAnIdempotencyKeyAreListed) {
  insertDeviceTask(*store_, "plain", 1);
  Task keyed = makeTask("keyed", kT0 + 2);
  keyed.equipmentId = kDevice;
  ASSERT_TRUE(store_->insertWithKey(keyed, "key-1", kT0).isOk());
  Task repeated = makeTask("repeated", kT0 + 3);
  repeated.equipmentId = kDevice;
  ASSERT_TRUE(store_->insertWithKey(repeated, "key-1", kT0).isOk());  // answered "keyed"
  EXPECT_EQ(idsOf(listOrFail(*store_, kAll)), (Ids{"keyed", "plain"}));
}

}  // namespace
}  // namespace cpe::testing
