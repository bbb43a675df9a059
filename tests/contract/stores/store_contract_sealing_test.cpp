// The TaskStore contract of SDK 6.2 (cpe/sdk/task_store.h): listing queued
// tasks whose parameters are still in the clear, and sealing them in place
// by compare-and-set. A plugin built against an earlier SDK answers
// kUnimplemented (TaskStore's defaults): these tests skip it.

#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "store_contract.h"

namespace cpe::testing {
namespace {

constexpr EpochMillis kT0 = 1'700'000'000'000;
constexpr EpochMillis kForever = std::numeric_limits<EpochMillis>::max();

// Sealed parameters as a store sees them: base64, never starting with '{'.
constexpr const char* kSealed = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";

std::vector<std::string> idsOf(const std::vector<Task>& tasks) {
  std::vector<std::string> ids;
  for (const auto& task : tasks) ids.push_back(task.id);
  return ids;
}

// True for a plugin built before SDK 6.2, whose store has TaskStore's
// defaults: the tests below skip it.
bool predatesSdk62(TaskStore& store) {
  return store.queuedInTheClear(1, "").status().code() == StatusCode::kUnimplemented;
}
#define CPE_SKIP_BEFORE_SDK_6_2() \
  if (predatesSdk62(*store_)) GTEST_SKIP() << "plugin built before SDK 6.2"

// The ids of a page, or "<error>" after a failure.
std::vector<std::string> inTheClear(TaskStore& store, std::size_t limit,
                                    const std::string& afterId = "") {
  auto page = store.queuedInTheClear(limit, afterId);
  EXPECT_TRUE(page.isOk()) << page.status().toString();
  return page.isOk() ? idsOf(page.value()) : std::vector<std::string>{"<error>"};
}

Task insertSealed(TaskStore& store, const std::string& id, EpochMillis createdAt) {
  Task task = makeTask(id, createdAt);
  task.parametersJson = kSealed;
  EXPECT_TRUE(store.insert(task).isOk());
  return task;
}

bool replace(TaskStore& store, const std::string& id, const std::string& expected,
             const std::string& with) {
  auto replaced = store.replaceParameters(id, expected, with);
  EXPECT_TRUE(replaced.isOk()) << replaced.status().toString();
  return replaced.isOk() && replaced.value();
}

void completeOrFail(TaskStore& store, const std::string& id) {
  TaskResult result;
  result.taskId = id;
  result.equipmentId = "SN-" + id;
  result.status = TaskStatus::kCompleted;
  result.code = 200;
  result.message = "success";
  result.finishedAt = kT0 + 60'000;
  auto completed = store.complete(result);
  ASSERT_TRUE(completed.isOk()) << completed.status().toString();
}

TEST_P(StoreContract, QueuedInTheClearListsOnlyQueuedTasksInTheClearInIdOrder) {
  CPE_SKIP_BEFORE_SDK_6_2();
  // Created in another order than their ids sort.
  insertOrFail("c", kT0);
  insertOrFail("a", kT0 + 1);
  insertSealed(*store_, "0-sealed", kT0 + 2);
  insertOrFail("b", kT0 + 3);
  insertOrFail("done", kT0 + 4);
  completeOrFail(*store_, "done");
  EXPECT_EQ(inTheClear(*store_, 10), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_P(StoreContract, QueuedInTheClearPagesByIdAndHonoursTheLimit) {
  CPE_SKIP_BEFORE_SDK_6_2();
  for (const char* id : {"d", "b", "a", "c", "e"}) insertOrFail(id, kT0);
  EXPECT_EQ(inTheClear(*store_, 2), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(inTheClear(*store_, 2, "b"), (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(inTheClear(*store_, 2, "d"), (std::vector<std::string>{"e"}));
  EXPECT_EQ(inTheClear(*store_, 2, "e"), std::vector<std::string>{});
  // A position need not be a task.
  EXPECT_EQ(inTheClear(*store_, 10, "bb"), (std::vector<std::string>{"c", "d", "e"}));
  EXPECT_EQ(inTheClear(*store_, 0), std::vector<std::string>{});
}

TEST_P(StoreContract, QueuedInTheClearReturnsEveryFieldOfTheTask) {
  CPE_SKIP_BEFORE_SDK_6_2();
  const Task task = insertOrFail("a1", kT0);
  auto page = store_->queuedInTheClear(1, "");
  ASSERT_TRUE(page.isOk() && page.value().size() == 1u);
  const Task& listed = page.value()[0];
  EXPECT_EQ(listed.id, task.id);
  EXPECT_EQ(listed.equipmentId, task.equipmentId);
  EXPECT_EQ(listed.timeoutInSeconds, task.timeoutInSeconds);
  EXPECT_EQ(listed.parametersJson, task.parametersJson);
  EXPECT_EQ(listed.status, TaskStatus::kQueued);
  EXPECT_EQ(listed.createdAt, task.createdAt);
  EXPECT_EQ(listed.updatedAt, task.updatedAt);
}

TEST_P(StoreContract, ReplaceParametersSealsAQueuedTaskAndChangesNothingElse) {
  CPE_SKIP_BEFORE_SDK_6_2();
  const Task task = insertOrFail("a1", kT0);
  insertOrFail("a2", kT0 + 1);
  EXPECT_TRUE(replace(*store_, "a1", task.parametersJson, kSealed));
  const Task stored = getOrFail("a1");
  EXPECT_EQ(stored.parametersJson, kSealed);
  EXPECT_EQ(stored.status, TaskStatus::kQueued);
  EXPECT_EQ(stored.equipmentId, task.equipmentId);
  EXPECT_EQ(stored.createdAt, task.createdAt);
  EXPECT_EQ(stored.updatedAt, task.updatedAt);
  EXPECT_EQ(inTheClear(*store_, 10), std::vector<std::string>{"a2"});
  // Still in the outbox, now with what the relay must publish as version 2.
  auto outbox = store_->unpublished(10, kForever);
  ASSERT_TRUE(outbox.isOk()) << outbox.status().toString();
  ASSERT_EQ(outbox.value().size(), 2u);
  EXPECT_EQ(outbox.value()[0].id, "a1");
  EXPECT_EQ(outbox.value()[0].parametersJson, kSealed);
}

TEST_P(StoreContract, ReplaceParametersKeepsAPublishedTaskPublished) {
  CPE_SKIP_BEFORE_SDK_6_2();
  const Task task = insertOrFail("a1", kT0);
  ASSERT_TRUE(store_->markPublished({"a1"}).isOk());
  EXPECT_TRUE(replace(*store_, "a1", task.parametersJson, kSealed));
  auto outbox = store_->unpublished(10, kForever);
  ASSERT_TRUE(outbox.isOk()) << outbox.status().toString();
  EXPECT_TRUE(outbox.value().empty());
  auto published = store_->publishedBefore(kForever, 10);
  ASSERT_TRUE(published.isOk()) << published.status().toString();
  ASSERT_EQ(published.value().size(), 1u);
  EXPECT_EQ(published.value()[0].publishCount, 1);
  // The reconciler's hand-back: the relay then reads the sealed parameters.
  ASSERT_TRUE(store_->markUnpublished({"a1"}).isOk());
  auto handedBack = store_->unpublished(10, kForever);
  ASSERT_TRUE(handedBack.isOk()) << handedBack.status().toString();
  ASSERT_EQ(handedBack.value().size(), 1u);
  EXPECT_EQ(handedBack.value()[0].parametersJson, kSealed);
}

TEST_P(StoreContract, ReplaceParametersIsFalseWhenTheParametersChangedMeanwhile) {
  CPE_SKIP_BEFORE_SDK_6_2();
  const Task task = insertOrFail("a1", kT0);
  EXPECT_FALSE(replace(*store_, "a1", R"({"username":"someone else"})", kSealed));
  EXPECT_EQ(getOrFail("a1").parametersJson, task.parametersJson);
  // Sealed by another host first: the second swap finds other parameters.
  EXPECT_TRUE(replace(*store_, "a1", task.parametersJson, kSealed));
  EXPECT_FALSE(replace(*store_, "a1", task.parametersJson, "QkJCQkJC"));
  EXPECT_EQ(getOrFail("a1").parametersJson, kSealed);
}

TEST_P(StoreContract, ReplaceParametersIsFalseForATerminalTaskAndLeavesItWiped) {
  CPE_SKIP_BEFORE_SDK_6_2();
  insertOrFail("a1", kT0);
  completeOrFail(*store_, "a1");
  EXPECT_FALSE(replace(*store_, "a1", "", kSealed));
  const Task done = getOrFail("a1");
  EXPECT_EQ(done.parametersJson, "");
  EXPECT_EQ(done.status, TaskStatus::kCompleted);
}

TEST_P(StoreContract, ReplaceParametersIsFalseForAnUnknownTask) {
  CPE_SKIP_BEFORE_SDK_6_2();
  EXPECT_FALSE(replace(*store_, "no-such-task", "{}", kSealed));
  EXPECT_EQ(store_->get("no-such-task").status().code(), StatusCode::kNotFound);
}

TEST_P(StoreContract, ReplaceParametersRacingFromManyThreadsSwapsOnce) {
  CPE_SKIP_BEFORE_SDK_6_2();
  const Task task = insertOrFail("a1", kT0);
  constexpr int kThreads = 8;
  std::atomic<int> swapped{0};
  std::atomic<int> failed{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      auto replaced = store_->replaceParameters("a1", task.parametersJson,
                                                std::string("U0VBTEVE") + std::to_string(i));
      if (!replaced.isOk()) {
        ++failed;
      } else if (replaced.value()) {
        ++swapped;
      }
    });
  }
  go = true;
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(swapped.load(), 1);
  EXPECT_EQ(getOrFail("a1").parametersJson.rfind("U0VBTEVE", 0), 0u);
}

}  // namespace
}  // namespace cpe::testing
