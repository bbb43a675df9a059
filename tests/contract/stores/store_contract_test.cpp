// The TaskStore contract (cpe/sdk/task_store.h), proved against every store
// plugin, each loaded the way the host loads it. Instantiated for this
// tree's plugins (store_contract_in_tree.cpp) and for any plugin given to
// cpe-store-contract (store_contract_main.cpp).

#include "store_contract.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <limits>
#include <set>
#include <string>
#include <thread>
#include <vector>

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

std::vector<std::string> idsOf(const std::vector<PublishedTask>& tasks) {
  std::vector<std::string> ids;
  for (const auto& task : tasks) ids.push_back(task.id);
  return ids;
}

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

// Stores may commit concurrent writes together (group commit): a write that
// fails must fail alone, whatever it shared a transaction with.
TEST_P(StoreContract, ConcurrentInsertsWithADuplicateAmongThemEachAnswerForThemselves) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 10;
  for (int round = 0; round < kRounds; ++round) {
    const std::string prefix = "r" + std::to_string(round) + "-";
    const Task first = insertOrFail(prefix + "taken", kT0 + EpochMillis{round} * 100);
    std::vector<Status> answers(kThreads, Status::internal("not run"));
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        // Thread 0 repeats the taken id; the others insert new ones.
        const std::string id = i == 0 ? prefix + "taken" : prefix + std::to_string(i);
        const Task task = makeTask(id, kT0 + EpochMillis{round} * 100 + 1 + i);
        ++ready;
        while (ready < kThreads) std::this_thread::yield();
        answers[static_cast<std::size_t>(i)] = store_->insert(task);
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(answers[0].code(), StatusCode::kAlreadyExists) << answers[0].toString();
    for (int i = 1; i < kThreads; ++i) {
      EXPECT_TRUE(answers[static_cast<std::size_t>(i)].isOk())
          << "round " << round << ", thread " << i << ": "
          << answers[static_cast<std::size_t>(i)].toString();
      getOrFail(prefix + std::to_string(i));
    }
    expectSameTask(getOrFail(prefix + "taken"), first);
    if (::testing::Test::HasFailure()) break;
  }
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
  // The parameters (the device password among them) are wiped once no call
  // to A can need them any more.
  task.parametersJson.clear();
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

// Idempotency keys. Every keyed task below belongs to one device unless a
// test says otherwise; a key is taken at its task's createdAt.
constexpr const char* kDevice = "SN-DEVICE";

Task keyedTask(const std::string& id, EpochMillis createdAt, const std::string& device = kDevice) {
  Task task = makeTask(id, createdAt);
  task.equipmentId = device;
  return task;
}

TEST_P(StoreContract, InsertWithKeyStoresAndReturnsTheTask) {
  const Task task = keyedTask("k1", kT0);
  auto stored = store_->insertWithKey(task, "key-1", kT0 - 60'000);
  ASSERT_TRUE(stored.isOk()) << stored.status().toString();
  expectSameTask(stored.value(), task);
  expectSameTask(getOrFail("k1"), task);
}

TEST_P(StoreContract, InsertWithKeyRepeatedWithinTheWindowReturnsTheFirstTaskAndStoresNothing) {
  const Task first = keyedTask("k1", kT0);
  ASSERT_TRUE(store_->insertWithKey(first, "key-1", kT0 - 60'000).isOk());
  Task second = keyedTask("k2", kT0 + 10);
  second.timeoutInSeconds = 99;
  auto repeated = store_->insertWithKey(second, "key-1", kT0 + 10 - 60'000);
  ASSERT_TRUE(repeated.isOk()) << repeated.status().toString();
  expectSameTask(repeated.value(), first);
  auto notStored = store_->get("k2");
  ASSERT_FALSE(notStored.isOk());
  EXPECT_EQ(notStored.status().code(), StatusCode::kNotFound);
}

TEST_P(StoreContract, InsertWithKeyTakenExactlyAtSinceIsStillWithinTheWindow) {
  const Task first = keyedTask("k1", kT0);
  ASSERT_TRUE(store_->insertWithKey(first, "key-1", kT0 - 1).isOk());
  auto repeated = store_->insertWithKey(keyedTask("k2", kT0 + 5), "key-1", kT0);
  ASSERT_TRUE(repeated.isOk()) << repeated.status().toString();
  EXPECT_EQ(repeated.value().id, "k1");
  EXPECT_EQ(store_->get("k2").status().code(), StatusCode::kNotFound);
}

TEST_P(StoreContract, InsertWithKeyRepeatedReturnsTheFirstTaskAsItIsNow) {
  ASSERT_TRUE(store_->insertWithKey(keyedTask("k1", kT0), "key-1", kT0 - 1).isOk());
  ASSERT_TRUE(store_->complete(resultFor("k1", TaskStatus::kCompleted, 200, "done")).isOk());
  auto repeated = store_->insertWithKey(keyedTask("k2", kT0 + 5), "key-1", kT0 - 1);
  ASSERT_TRUE(repeated.isOk()) << repeated.status().toString();
  expectSameTask(repeated.value(), getOrFail("k1"));
  EXPECT_EQ(repeated.value().status, TaskStatus::kCompleted);
}

TEST_P(StoreContract, InsertWithKeyOnAnotherDeviceStoresANewTask) {
  const Task first = keyedTask("k1", kT0, "SN-ONE");
  const Task second = keyedTask("k2", kT0 + 1, "SN-TWO");
  ASSERT_TRUE(store_->insertWithKey(first, "key-1", kT0 - 60'000).isOk());
  auto other = store_->insertWithKey(second, "key-1", kT0 - 60'000);
  ASSERT_TRUE(other.isOk()) << other.status().toString();
  expectSameTask(other.value(), second);
  expectSameTask(getOrFail("k1"), first);
  expectSameTask(getOrFail("k2"), second);
}

TEST_P(StoreContract, InsertWithKeyOtherKeysOnOneDeviceStoreTheirOwnTasks) {
  ASSERT_TRUE(store_->insertWithKey(keyedTask("k1", kT0), "key-1", kT0 - 1).isOk());
  auto other = store_->insertWithKey(keyedTask("k2", kT0 + 1), "key-2", kT0 - 1);
  ASSERT_TRUE(other.isOk()) << other.status().toString();
  EXPECT_EQ(other.value().id, "k2");
  getOrFail("k2");
}

TEST_P(StoreContract, InsertWithKeyOlderThanSinceIsTakenOverAndTheOldTaskLeftAsItWas) {
  const Task old = keyedTask("k1", kT0);
  ASSERT_TRUE(store_->insertWithKey(old, "key-1", kT0 - 60'000).isOk());
  const Task newer = keyedTask("k2", kT0 + 100'000);
  auto taken = store_->insertWithKey(newer, "key-1", kT0 + 100'000 - 60'000);
  ASSERT_TRUE(taken.isOk()) << taken.status().toString();
  expectSameTask(taken.value(), newer);
  expectSameTask(getOrFail("k2"), newer);
  expectSameTask(getOrFail("k1"), old);
  // The key is the new task's now.
  auto repeated = store_->insertWithKey(keyedTask("k3", kT0 + 100'001), "key-1", kT0 + 1);
  ASSERT_TRUE(repeated.isOk()) << repeated.status().toString();
  EXPECT_EQ(repeated.value().id, "k2");
  EXPECT_EQ(store_->get("k3").status().code(), StatusCode::kNotFound);
}

TEST_P(StoreContract, InsertWithEmptyKeyIsInvalidArgumentAndStoresNothing) {
  auto refused = store_->insertWithKey(keyedTask("k1", kT0), "", kT0 - 1);
  ASSERT_FALSE(refused.isOk());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->get("k1").status().code(), StatusCode::kNotFound);
}

TEST_P(StoreContract, InsertWithKeyAndAnExistingIdIsAlreadyExistsAndLeavesTheKeyFree) {
  const Task existing = insertOrFail("a1", kT0);
  auto clash = store_->insertWithKey(keyedTask("a1", kT0 + 1), "key-1", kT0 - 1);
  ASSERT_FALSE(clash.isOk());
  EXPECT_EQ(clash.status().code(), StatusCode::kAlreadyExists) << clash.status().toString();
  EXPECT_EQ(clash.status().message().find(kSecret), std::string::npos) << "message leaks";
  expectSameTask(getOrFail("a1"), existing);
  auto retried = store_->insertWithKey(keyedTask("k2", kT0 + 2), "key-1", kT0 - 1);
  ASSERT_TRUE(retried.isOk()) << retried.status().toString();
  EXPECT_EQ(retried.value().id, "k2");
}

TEST_P(StoreContract, InsertWithKeyTakesKeysOfAnyPrintableText) {
  const std::string key = R"(a"b\c'd;e,f{g} %_ ~)" + std::string(240, 'x');
  ASSERT_TRUE(store_->insertWithKey(keyedTask("k1", kT0), key, kT0 - 1).isOk());
  auto repeated = store_->insertWithKey(keyedTask("k2", kT0 + 1), key, kT0 - 1);
  ASSERT_TRUE(repeated.isOk()) << repeated.status().toString();
  EXPECT_EQ(repeated.value().id, "k1");
  auto prefix = store_->insertWithKey(keyedTask("k3", kT0 + 2), key.substr(0, 10), kT0 - 1);
  ASSERT_TRUE(prefix.isOk()) << prefix.status().toString();
  EXPECT_EQ(prefix.value().id, "k3");
}

// Threads racing with one device and key, round after round: each round
// stores exactly one task, and every thread gets that task's id.
TEST_P(StoreContract, InsertWithKeyRacingThreadsStoreExactlyOneTaskAndAllGetItsId) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 25;
  for (int round = 0; round < kRounds; ++round) {
    const std::string key = "race-" + std::to_string(round);
    std::vector<Result<Task>> answers;
    for (int i = 0; i < kThreads; ++i) answers.emplace_back(Status::internal("not run"));
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        const Task task =
            keyedTask(key + "-t" + std::to_string(i), kT0 + EpochMillis{round} * 100 + i);
        ++ready;
        while (ready < kThreads) std::this_thread::yield();
        answers[static_cast<std::size_t>(i)] = store_->insertWithKey(task, key, kT0 - 1);
      });
    }
    for (auto& thread : threads) thread.join();
    std::set<std::string> ids;
    for (const auto& answer : answers) {
      ASSERT_TRUE(answer.isOk()) << answer.status().toString();
      ids.insert(answer.value().id);
    }
    ASSERT_EQ(ids.size(), 1u) << "round " << round << ": threads got different tasks";
    int stored = 0;
    for (int i = 0; i < kThreads; ++i) {
      const std::string id = key + "-t" + std::to_string(i);
      auto task = store_->get(id);
      if (task.isOk()) {
        ++stored;
        EXPECT_EQ(id, *ids.begin());
      } else {
        EXPECT_EQ(task.status().code(), StatusCode::kNotFound) << task.status().toString();
      }
    }
    ASSERT_EQ(stored, 1) << "round " << round;
  }
  auto outbox = store_->unpublished(1000, kForever);
  ASSERT_TRUE(outbox.isOk()) << outbox.status().toString();
  EXPECT_EQ(outbox.value().size(), static_cast<std::size_t>(kRounds));
}

TEST_P(StoreContract, InsertWithKeyTasksAreInTheOutboxLikeInsertedOnes) {
  ASSERT_TRUE(store_->insertWithKey(keyedTask("keyed-b", kT0 + 20), "key-b", kT0 - 1).isOk());
  insertOrFail("plain", kT0 + 10);
  ASSERT_TRUE(store_->insertWithKey(keyedTask("keyed-a", kT0 + 5), "key-a", kT0 - 1).isOk());
  ASSERT_TRUE(store_->insertWithKey(keyedTask("repeat", kT0 + 30), "key-a", kT0 - 1).isOk());
  auto tasks = store_->unpublished(10, kForever);
  ASSERT_TRUE(tasks.isOk()) << tasks.status().toString();
  EXPECT_EQ(idsOf(tasks.value()), (std::vector<std::string>{"keyed-a", "plain", "keyed-b"}));
  ASSERT_EQ(tasks.value().size(), 3u);
  expectSameTask(tasks.value()[0], keyedTask("keyed-a", kT0 + 5));
  ASSERT_TRUE(store_->markPublished({"keyed-a"}).isOk());
  ASSERT_TRUE(store_->complete(resultFor("keyed-b", TaskStatus::kFailed, 500, "x")).isOk());
  auto left = store_->unpublished(10, kForever);
  ASSERT_TRUE(left.isOk()) << left.status().toString();
  EXPECT_EQ(idsOf(left.value()), (std::vector<std::string>{"plain"}));
}

TEST_P(StoreContract, QueuedBeforeCountsQueuedTasksOlderThanTheCutOffAndSamplesTheOldest) {
  insertOrFail("q4", kT0 + 40);
  insertOrFail("edge", kT0 + 50);  // not before the cut-off
  insertOrFail("done", kT0 + 20);
  insertOrFail("q1", kT0 + 10);
  ASSERT_TRUE(store_->insertWithKey(keyedTask("q3", kT0 + 30), "key-q3", kT0 - 1).isOk());
  insertOrFail("new", kT0 + 60);
  ASSERT_TRUE(store_->complete(resultFor("done", TaskStatus::kCompleted, 200, "ok")).isOk());
  // Published but still queued: stuck all the same.
  ASSERT_TRUE(store_->markPublished({"q3"}).isOk());

  auto all = store_->queuedBefore(kT0 + 50, 10);
  ASSERT_TRUE(all.isOk()) << all.status().toString();
  EXPECT_EQ(all.value().count, 3u);
  EXPECT_EQ(all.value().oldestIds, (std::vector<std::string>{"q1", "q3", "q4"}));

  auto sampled = store_->queuedBefore(kT0 + 50, 2);
  ASSERT_TRUE(sampled.isOk()) << sampled.status().toString();
  EXPECT_EQ(sampled.value().count, 3u);
  EXPECT_EQ(sampled.value().oldestIds, (std::vector<std::string>{"q1", "q3"}));

  auto countOnly = store_->queuedBefore(kT0 + 50, 0);
  ASSERT_TRUE(countOnly.isOk()) << countOnly.status().toString();
  EXPECT_EQ(countOnly.value().count, 3u);
  EXPECT_TRUE(countOnly.value().oldestIds.empty());

  auto everything = store_->queuedBefore(kForever, 10);
  ASSERT_TRUE(everything.isOk()) << everything.status().toString();
  EXPECT_EQ(everything.value().count, 5u);
  EXPECT_EQ(everything.value().oldestIds,
            (std::vector<std::string>{"q1", "q3", "q4", "edge", "new"}));
}

TEST_P(StoreContract, QueuedBeforeWithNothingOldIsZeroAndEmpty) {
  auto empty = store_->queuedBefore(kForever, 10);
  ASSERT_TRUE(empty.isOk()) << empty.status().toString();
  EXPECT_EQ(empty.value().count, 0u);
  EXPECT_TRUE(empty.value().oldestIds.empty());
  insertOrFail("young", kT0 + 10);
  auto none = store_->queuedBefore(kT0 + 10, 10);
  ASSERT_TRUE(none.isOk()) << none.status().toString();
  EXPECT_EQ(none.value().count, 0u);
  EXPECT_TRUE(none.value().oldestIds.empty());
}

// Publishes are stamped with the store's clock, so the tests below take their
// cut-offs from nowMillis() around the calls. Waits until the clock has
// passed `stamp`, so that the next stamp is later; fails the test if it
// stands still for seconds.
void waitForClockPast(EpochMillis stamp) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (nowMillis() <= stamp) {
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "the clock did not pass " << stamp;
      return;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

TEST_P(StoreContract, MarkPublishedCountsEachPublishAndStampsItWithTheStoreClock) {
  insertOrFail("a1", kT0);
  const EpochMillis before = nowMillis();
  ASSERT_TRUE(store_->markPublished({"a1"}).isOk());
  const EpochMillis after = nowMillis();
  auto first = store_->publishedBefore(after + 1, 10);
  ASSERT_TRUE(first.isOk()) << first.status().toString();
  ASSERT_EQ(first.value().size(), 1u);
  EXPECT_EQ(first.value()[0].id, "a1");
  EXPECT_EQ(first.value()[0].equipmentId, "SN-a1");
  EXPECT_EQ(first.value()[0].publishCount, 1);
  EXPECT_GE(first.value()[0].lastPublishedAt, before);
  EXPECT_LE(first.value()[0].lastPublishedAt, after);
  auto tooRecent = store_->publishedBefore(before, 10);
  ASSERT_TRUE(tooRecent.isOk()) << tooRecent.status().toString();
  EXPECT_TRUE(tooRecent.value().empty());

  waitForClockPast(after);
  ASSERT_TRUE(store_->markPublished({"a1"}).isOk());
  auto second = store_->publishedBefore(nowMillis() + 1, 10);
  ASSERT_TRUE(second.isOk()) << second.status().toString();
  ASSERT_EQ(second.value().size(), 1u);
  EXPECT_EQ(second.value()[0].publishCount, 2);
  EXPECT_GT(second.value()[0].lastPublishedAt, after);
  EXPECT_EQ(getOrFail("a1").status, TaskStatus::kQueued);
}

TEST_P(StoreContract, PublishedBeforeListsTasksPublishedBeforeTheCutOffOldestPublishFirst) {
  insertOrFail("second", kT0);
  insertOrFail("first", kT0 + 1);
  insertOrFail("recent", kT0 + 2);
  ASSERT_TRUE(store_->markPublished({"first"}).isOk());
  waitForClockPast(nowMillis());
  ASSERT_TRUE(store_->markPublished({"second"}).isOk());
  waitForClockPast(nowMillis());
  const EpochMillis cutOff = nowMillis();
  ASSERT_TRUE(store_->markPublished({"recent"}).isOk());  // at or after the cut-off

  auto published = store_->publishedBefore(cutOff, 10);
  ASSERT_TRUE(published.isOk()) << published.status().toString();
  EXPECT_EQ(idsOf(published.value()), (std::vector<std::string>{"first", "second"}));
  auto none = store_->publishedBefore(cutOff - 1'000'000, 10);
  ASSERT_TRUE(none.isOk()) << none.status().toString();
  EXPECT_TRUE(none.value().empty());
}

TEST_P(StoreContract, PublishedBeforeSkipsUnpublishedAndTerminalTasks) {
  insertOrFail("waiting", kT0);
  insertOrFail("published", kT0 + 1);
  insertOrFail("then-done", kT0 + 2);
  insertOrFail("done-first", kT0 + 3);
  ASSERT_TRUE(store_->markPublished({"published", "then-done"}).isOk());
  ASSERT_TRUE(store_->complete(resultFor("then-done", TaskStatus::kCompleted, 200, "ok")).isOk());
  ASSERT_TRUE(store_->complete(resultFor("done-first", TaskStatus::kFailed, 500, "x")).isOk());
  const Task doneFirst = getOrFail("done-first");
  // A terminal task is not published again, nor changed in any way.
  ASSERT_TRUE(store_->markPublished({"done-first"}).isOk());
  expectSameTask(getOrFail("done-first"), doneFirst);

  auto published = store_->publishedBefore(kForever, 10);
  ASSERT_TRUE(published.isOk()) << published.status().toString();
  EXPECT_EQ(idsOf(published.value()), (std::vector<std::string>{"published"}));
}

TEST_P(StoreContract, PublishedBeforeHonoursLimit) {
  for (int i = 0; i < 4; ++i) {
    const std::string id = "t" + std::to_string(i);
    insertOrFail(id, kT0 - i);  // creation order the reverse of publish order
    ASSERT_TRUE(store_->markPublished({id}).isOk());
    waitForClockPast(nowMillis());
  }
  auto two = store_->publishedBefore(kForever, 2);
  ASSERT_TRUE(two.isOk()) << two.status().toString();
  EXPECT_EQ(idsOf(two.value()), (std::vector<std::string>{"t0", "t1"}));
  auto none = store_->publishedBefore(kForever, 0);
  ASSERT_TRUE(none.isOk()) << none.status().toString();
  EXPECT_TRUE(none.value().empty());
}

TEST_P(StoreContract, MarkUnpublishedHandsAQueuedTaskBackToTheOutboxKeepingItsCount) {
  insertOrFail("lost", kT0);
  insertOrFail("kept", kT0 + 1);
  insertOrFail("waiting", kT0 + 2);
  ASSERT_TRUE(store_->markPublished({"lost", "kept"}).isOk());
  // "waiting" was never published: it stays in the outbox, once.
  Status handedBack = store_->markUnpublished({"lost", "waiting"});
  ASSERT_TRUE(handedBack.isOk()) << handedBack.toString();

  auto outbox = store_->unpublished(10, kForever);
  ASSERT_TRUE(outbox.isOk()) << outbox.status().toString();
  EXPECT_EQ(idsOf(outbox.value()), (std::vector<std::string>{"lost", "waiting"}));
  auto published = store_->publishedBefore(kForever, 10);
  ASSERT_TRUE(published.isOk()) << published.status().toString();
  EXPECT_EQ(idsOf(published.value()), (std::vector<std::string>{"kept"}));

  waitForClockPast(nowMillis());  // republished after "kept" was published
  ASSERT_TRUE(store_->markPublished({"lost"}).isOk());
  auto republished = store_->publishedBefore(kForever, 10);
  ASSERT_TRUE(republished.isOk()) << republished.status().toString();
  ASSERT_EQ(idsOf(republished.value()), (std::vector<std::string>{"kept", "lost"}));
  EXPECT_EQ(republished.value()[0].publishCount, 1);
  EXPECT_EQ(republished.value()[1].publishCount, 2);
  auto left = store_->unpublished(10, kForever);
  ASSERT_TRUE(left.isOk()) << left.status().toString();
  EXPECT_EQ(idsOf(left.value()), (std::vector<std::string>{"waiting"}));
}

TEST_P(StoreContract, MarkUnpublishedLeavesTerminalTasksAndUnknownIdsAlone) {
  insertOrFail("done", kT0);
  ASSERT_TRUE(store_->markPublished({"done"}).isOk());
  ASSERT_TRUE(store_->complete(resultFor("done", TaskStatus::kCompleted, 200, "ok")).isOk());
  const Task terminal = getOrFail("done");

  Status handedBack = store_->markUnpublished({"done", "unknown"});
  ASSERT_TRUE(handedBack.isOk()) << handedBack.toString();
  EXPECT_TRUE(store_->markUnpublished({}).isOk());
  auto outbox = store_->unpublished(10, kForever);
  ASSERT_TRUE(outbox.isOk()) << outbox.status().toString();
  EXPECT_TRUE(outbox.value().empty());
  expectSameTask(getOrFail("done"), terminal);
  EXPECT_EQ(store_->get("unknown").status().code(), StatusCode::kNotFound);
}

}  // namespace

std::string labelOf(const ::testing::TestParamInfo<StoreUnderTest>& param) {
  return param.param.label;
}

}  // namespace cpe::testing
