// The TaskStore contract (cpe/task_store.h), proved against every store
// plugin, each loaded the way the host loads it.

#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "store_fixture.h"

namespace cpe::testing {
namespace {

constexpr EpochMillis kT0 = 1'700'000'000'000;
constexpr EpochMillis kForever = std::numeric_limits<EpochMillis>::max();

TaskResult resultFor(const std::string& taskId, TaskStatus status, int code,
                     const std::string& message, EpochMillis finishedAt = kT0 + 60'000) {
  TaskResult result;
  result.taskId = taskId;
  result.equipmentId = "SN-" + taskId;
  result.status = status;
  result.code = code;
  result.message = message;
  result.attempts = 1;
  result.finishedAt = finishedAt;
  return result;
}

void expectSameTask(const Task& actual, const Task& expected) {
  EXPECT_EQ(actual.id, expected.id);
  EXPECT_EQ(actual.equipmentId, expected.equipmentId);
  EXPECT_EQ(actual.timeoutInSeconds, expected.timeoutInSeconds);
  EXPECT_EQ(actual.parametersJson, expected.parametersJson);
  EXPECT_EQ(actual.status, expected.status);
  EXPECT_EQ(actual.resultCode, expected.resultCode);
  EXPECT_EQ(actual.resultMessage, expected.resultMessage);
  EXPECT_EQ(actual.createdAt, expected.createdAt);
  EXPECT_EQ(actual.updatedAt, expected.updatedAt);
}

std::vector<std::string> idsOf(const std::vector<Task>& tasks) {
  std::vector<std::string> ids;
  for (const auto& task : tasks) ids.push_back(task.id);
  return ids;
}

class StoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    store_ = factory_.createOrFail();
    ASSERT_NE(store_, nullptr);
  }

  Task insertOrFail(const std::string& id, EpochMillis createdAt) {
    Task task = makeTask(id, createdAt);
    Status inserted = store_->insert(task);
    EXPECT_TRUE(inserted.isOk()) << inserted.toString();
    return task;
  }

  Task getOrFail(const std::string& id) {
    auto task = store_->get(id);
    EXPECT_TRUE(task.isOk()) << task.status().toString();
    return task.isOk() ? task.value() : Task{};
  }

  StoreFactory factory_{GetParam()};
  std::unique_ptr<TaskStore> store_;
};

TEST_P(StoreContract, InsertThenGetReturnsEveryField) {
  const Task task = insertOrFail("a1", kT0);
  expectSameTask(getOrFail("a1"), task);
}

TEST_P(StoreContract, GetUnknownIdIsNotFound) {
  auto task = store_->get("no-such-task");
  ASSERT_FALSE(task.isOk());
  EXPECT_EQ(task.status().code(), StatusCode::kNotFound);
}

TEST_P(StoreContract, InsertDuplicateIdIsAlreadyExistsAndKeepsTheFirst) {
  const Task first = insertOrFail("a1", kT0);
  Task second = makeTask("a1", kT0 + 5);
  second.equipmentId = "SN-other";
  Status inserted = store_->insert(second);
  EXPECT_EQ(inserted.code(), StatusCode::kAlreadyExists) << inserted.toString();
  EXPECT_EQ(inserted.message().find(kSecret), std::string::npos) << "message leaks parameters";
  expectSameTask(getOrFail("a1"), first);
}

TEST_P(StoreContract, CompleteAppliesTerminalResultAndReturnsTrue) {
  Task task = insertOrFail("a1", kT0);
  auto applied = store_->complete(resultFor("a1", TaskStatus::kCompleted, 200, "done", kT0 + 9));
  ASSERT_TRUE(applied.isOk()) << applied.status().toString();
  EXPECT_TRUE(applied.value());
  task.status = TaskStatus::kCompleted;
  task.resultCode = 200;
  task.resultMessage = "done";
  task.updatedAt = kT0 + 9;
  expectSameTask(getOrFail("a1"), task);
}

TEST_P(StoreContract, SecondCompleteReturnsFalseAndChangesNothing) {
  insertOrFail("a1", kT0);
  const TaskResult result = resultFor("a1", TaskStatus::kEquipmentNotFound, 404, "no device");
  ASSERT_TRUE(store_->complete(result).isOk());
  const Task terminal = getOrFail("a1");

  auto same = store_->complete(result);
  ASSERT_TRUE(same.isOk()) << same.status().toString();
  EXPECT_FALSE(same.value());
  auto different =
      store_->complete(resultFor("a1", TaskStatus::kCompleted, 200, "late", kT0 + 999'999));
  ASSERT_TRUE(different.isOk()) << different.status().toString();
  EXPECT_FALSE(different.value());
  expectSameTask(getOrFail("a1"), terminal);
}

TEST_P(StoreContract, CompleteUnknownIdIsNotFound) {
  auto applied = store_->complete(resultFor("ghost", TaskStatus::kFailed, 500, "boom"));
  ASSERT_FALSE(applied.isOk());
  EXPECT_EQ(applied.status().code(), StatusCode::kNotFound);
}

TEST_P(StoreContract, CompleteWithNonTerminalStatusIsInvalidArgumentAndChangesNothing) {
  const Task task = insertOrFail("a1", kT0);
  auto applied = store_->complete(resultFor("a1", TaskStatus::kQueued, 200, "not really"));
  ASSERT_FALSE(applied.isOk());
  EXPECT_EQ(applied.status().code(), StatusCode::kInvalidArgument);
  expectSameTask(getOrFail("a1"), task);
}

TEST_P(StoreContract, UnpublishedReturnsQueuedTasksOldestFirst) {
  insertOrFail("c", kT0 + 30);
  insertOrFail("a", kT0 + 10);
  insertOrFail("b", kT0 + 20);
  auto tasks = store_->unpublished(10, kForever);
  ASSERT_TRUE(tasks.isOk()) << tasks.status().toString();
  EXPECT_EQ(idsOf(tasks.value()), (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(tasks.value().size(), 3u);
  expectSameTask(tasks.value()[0], makeTask("a", kT0 + 10));
}

TEST_P(StoreContract, UnpublishedHonoursLimit) {
  for (int i = 0; i < 5; ++i) insertOrFail("t" + std::to_string(i), kT0 + i);
  auto tasks = store_->unpublished(2, kForever);
  ASSERT_TRUE(tasks.isOk()) << tasks.status().toString();
  EXPECT_EQ(idsOf(tasks.value()), (std::vector<std::string>{"t0", "t1"}));
  auto none = store_->unpublished(0, kForever);
  ASSERT_TRUE(none.isOk()) << none.status().toString();
  EXPECT_TRUE(none.value().empty());
}

TEST_P(StoreContract, UnpublishedHonoursCreatedBeforeInclusively) {
  insertOrFail("old", kT0);
  insertOrFail("edge", kT0 + 100);
  insertOrFail("new", kT0 + 101);
  auto tasks = store_->unpublished(10, kT0 + 100);
  ASSERT_TRUE(tasks.isOk()) << tasks.status().toString();
  EXPECT_EQ(idsOf(tasks.value()), (std::vector<std::string>{"old", "edge"}));
}

TEST_P(StoreContract, UnpublishedExcludesPublishedAndTerminalTasks) {
  insertOrFail("published", kT0);
  insertOrFail("terminal", kT0 + 1);
  insertOrFail("waiting", kT0 + 2);
  ASSERT_TRUE(store_->markPublished({"published"}).isOk());
  ASSERT_TRUE(store_->complete(resultFor("terminal", TaskStatus::kFailed, 500, "x")).isOk());
  auto tasks = store_->unpublished(10, kForever);
  ASSERT_TRUE(tasks.isOk()) << tasks.status().toString();
  EXPECT_EQ(idsOf(tasks.value()), (std::vector<std::string>{"waiting"}));
  EXPECT_EQ(getOrFail("published").status, TaskStatus::kQueued);
}

TEST_P(StoreContract, MarkPublishedTakesABatchAndIgnoresUnknownIds) {
  for (int i = 0; i < 4; ++i) insertOrFail("t" + std::to_string(i), kT0 + i);
  Status marked = store_->markPublished({"t0", "unknown", "t2", "t2"});
  ASSERT_TRUE(marked.isOk()) << marked.toString();
  auto tasks = store_->unpublished(10, kForever);
  ASSERT_TRUE(tasks.isOk()) << tasks.status().toString();
  EXPECT_EQ(idsOf(tasks.value()), (std::vector<std::string>{"t1", "t3"}));
  EXPECT_TRUE(store_->markPublished({}).isOk());
  EXPECT_TRUE(store_->markPublished({"only-unknown"}).isOk());
}

TEST_P(StoreContract, PingIsOk) {
  Status ping = store_->ping();
  EXPECT_TRUE(ping.isOk()) << ping.toString();
}

// Writers insert and complete their own tasks while a results thread
// completes some of the same tasks and a reader polls: nothing is lost, and
// every task is completed exactly once.
TEST_P(StoreContract, ConcurrentWritersLoseNothingAndCompleteEachTaskOnce) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  constexpr int kTotal = kThreads * kPerThread;
  auto idOf = [](int index) { return "w" + std::to_string(index); };
  // index % 4: 0 completed by its writer, 1 by the results thread, 2 by
  // both (one must win), 3 left queued.
  std::vector<std::atomic<int>> wins(kTotal);
  std::atomic<int> failures{0};
  std::atomic<bool> writing{true};

  auto fail = [&failures](const std::string& what) {
    if (failures++ < 10) ADD_FAILURE() << what;
  };
  auto writer = [&](int thread) {
    for (int i = 0; i < kPerThread; ++i) {
      const int index = thread * kPerThread + i;
      const std::string id = idOf(index);
      if (Status s = store_->insert(makeTask(id, kT0 + index)); !s.isOk()) fail(s.toString());
      if (auto task = store_->get(id); !task.isOk()) fail(task.status().toString());
      if (index % 4 == 0 || index % 4 == 2) {
        auto applied = store_->complete(resultFor(id, TaskStatus::kCompleted, 200, "writer"));
        if (!applied.isOk()) fail(applied.status().toString());
        if (applied.isOk() && applied.value()) ++wins[index];
      }
    }
  };
  auto results = [&] {
    std::vector<int> pending;
    for (int index = 1; index < kTotal; index += 4) pending.push_back(index);
    for (int index = 2; index < kTotal; index += 4) pending.push_back(index);
    while (!pending.empty()) {
      std::vector<int> later;
      for (int index : pending) {
        auto applied =
            store_->complete(resultFor(idOf(index), TaskStatus::kFailed, 500, "results"));
        if (!applied.isOk() && applied.status().code() == StatusCode::kNotFound) {
          later.push_back(index);  // not inserted yet
        } else if (!applied.isOk()) {
          fail(applied.status().toString());
        } else if (applied.value()) {
          ++wins[index];
        }
      }
      pending.swap(later);
      if (!pending.empty()) std::this_thread::yield();
    }
  };
  auto reader = [&] {
    while (writing) {
      if (auto tasks = store_->unpublished(100, kForever); !tasks.isOk()) {
        fail(tasks.status().toString());
      }
      if (auto task = store_->get(idOf(0));
          !task.isOk() && task.status().code() != StatusCode::kNotFound) {
        fail(task.status().toString());
      }
    }
  };

  std::thread readerThread(reader);
  std::thread resultsThread(results);
  std::vector<std::thread> writers;
  for (int thread = 0; thread < kThreads; ++thread) writers.emplace_back(writer, thread);
  for (auto& thread : writers) thread.join();
  resultsThread.join();
  writing = false;
  readerThread.join();
  ASSERT_EQ(failures.load(), 0);

  int queued = 0;
  for (int index = 0; index < kTotal; ++index) {
    const Task task = getOrFail(idOf(index));
    const int kind = index % 4;
    if (kind == 3) {
      ++queued;
      EXPECT_EQ(task.status, TaskStatus::kQueued) << task.id;
      continue;
    }
    EXPECT_EQ(wins[index].load(), 1) << task.id << " completed other than once";
    if (kind == 0) {
      EXPECT_EQ(task.resultMessage, "writer") << task.id;
    } else if (kind == 1) {
      EXPECT_EQ(task.resultMessage, "results") << task.id;
    }
    // Whoever won, the stored result is one whole result, not a mix.
    const bool byWriter = task.status == TaskStatus::kCompleted && task.resultCode == 200 &&
                          task.resultMessage == "writer";
    const bool byResults = task.status == TaskStatus::kFailed && task.resultCode == 500 &&
                           task.resultMessage == "results";
    EXPECT_TRUE(byWriter || byResults) << task.id;
    if (::testing::Test::HasFailure()) break;
  }
  auto outbox = store_->unpublished(kTotal, kForever);
  ASSERT_TRUE(outbox.isOk()) << outbox.status().toString();
  EXPECT_EQ(static_cast<int>(outbox.value().size()), queued);
}

std::string pluginName(const ::testing::TestParamInfo<std::string>& param) { return param.param; }

INSTANTIATE_TEST_SUITE_P(Stores, StoreContract, ::testing::Values("memory", "sqlite", "postgres"),
                         pluginName);

}  // namespace
}  // namespace cpe::testing
