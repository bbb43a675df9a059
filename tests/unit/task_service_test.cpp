#include "cpe/task_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <variant>

namespace cpe {
namespace {

// An in-test store: a map, plus a switch to play an unreachable database.
class FakeStore final : public TaskStore {
 public:
  Status insert(const Task& task) noexcept override {
    if (down) return Status::unavailable("fake store is down");
    if (!tasks.emplace(task.id, task).second) return Status::alreadyExists(task.id);
    return Status::ok();
  }
  Result<Task> insertWithKey(const Task& task, const std::string& key,
                             EpochMillis since) noexcept override {
    if (down) return Status::unavailable("fake store is down");
    if (key.empty()) return Status::invalidArgument("empty key");
    const auto owner = keys.find({task.equipmentId, key});
    if (owner != keys.end() && owner->second.second >= since) return tasks.at(owner->second.first);
    if (Status inserted = insert(task); !inserted.isOk()) return inserted;
    keys[{task.equipmentId, key}] = {task.id, task.createdAt};
    return task;
  }
  Result<Task> get(const std::string& id) noexcept override {
    if (down) return Status::unavailable("fake store is down");
    const auto found = tasks.find(id);
    if (found == tasks.end()) return Status::notFound(id);
    return found->second;
  }
  Result<bool> complete(const TaskResult& result) noexcept override {
    auto found = tasks.find(result.taskId);
    if (found == tasks.end()) return Status::notFound(result.taskId);
    if (isTerminal(found->second.status)) return false;
    found->second.status = result.status;
    found->second.resultCode = result.code;
    return true;
  }
  Result<std::vector<Task>> unpublished(std::size_t, EpochMillis) noexcept override {
    return std::vector<Task>{};
  }
  Status markPublished(const std::vector<std::string>&) noexcept override { return Status::ok(); }
  Result<QueuedTasks> queuedBefore(EpochMillis createdBefore,
                                   std::size_t sampleLimit) noexcept override {
    std::vector<const Task*> old;
    for (const auto& [id, task] : tasks) {
      if (task.status == TaskStatus::kQueued && task.createdAt < createdBefore)
        old.push_back(&task);
    }
    std::sort(old.begin(), old.end(),
              [](const Task* a, const Task* b) { return a->createdAt < b->createdAt; });
    QueuedTasks queued;
    queued.count = old.size();
    for (std::size_t i = 0; i < old.size() && i < sampleLimit; ++i) {
      queued.oldestIds.push_back(old[i]->id);
    }
    return queued;
  }
  Status ping() noexcept override { return Status::ok(); }

  std::map<std::string, Task> tasks;
  // (equipment id, key) -> (task id, the key's created_at).
  std::map<std::pair<std::string, std::string>, std::pair<std::string, EpochMillis>> keys;
  bool down = false;
};

// Records the calls in order, and whether each insert found its id reserved.
class FakePublisher final : public TaskPublisher {
 public:
  void reserve(const std::string& id) noexcept override { calls.push_back("reserve " + id); }
  void enqueue(const Task& task) noexcept override {
    calls.push_back("enqueue " + task.id);
    enqueued.push_back(task.id);
  }
  void abandon(const std::string& id) noexcept override { calls.push_back("abandon " + id); }
  std::vector<std::string> calls;
  std::vector<std::string> enqueued;
};

ProvisioningRequest sampleRequest() {
  return std::get<ProvisioningRequest>(ProvisioningRequest::parse(
      R"({"timeoutInSeconds":14,"parameters":{"username":"admin","password":"pw","interfaces":[1]}})"));
}

class TaskServiceTest : public ::testing::Test {
 protected:
  FakeStore store_;
  FakePublisher publisher_;
  TaskService service_{store_, publisher_};
};

TEST_F(TaskServiceTest, CreateStoresAQueuedTaskAndHandsItToThePublisher) {
  const auto task = service_.create("ABC123", sampleRequest());
  ASSERT_TRUE(task.isOk());
  const Task& stored = store_.tasks.at(task.value().id);
  EXPECT_EQ(stored.equipmentId, "ABC123");
  EXPECT_EQ(stored.status, TaskStatus::kQueued);
  EXPECT_EQ(stored.timeoutInSeconds, 14);
  EXPECT_EQ(stored.parametersJson, sampleRequest().parametersJson());
  EXPECT_GT(stored.createdAt, 0);
  EXPECT_EQ(publisher_.enqueued, std::vector<std::string>{task.value().id});
}

TEST(TaskServiceOrder, ReservesTheIdBeforeStoringAndEnqueuesAfter) {
  FakePublisher publisher;
  // Notes, at insert time, what the publisher had been told so far.
  class StoreThatWatches final : public TaskStore {
   public:
    explicit StoreThatWatches(const FakePublisher& publisher) : publisher_(publisher) {}
    Status insert(const Task&) noexcept override {
      callsAtInsert = publisher_.calls;
      return failInsert ? Status::unavailable("down") : Status::ok();
    }
    Result<Task> insertWithKey(const Task&, const std::string&, EpochMillis) noexcept override {
      return Status::internal("not used");
    }
    Result<Task> get(const std::string& id) noexcept override { return Status::notFound(id); }
    Result<bool> complete(const TaskResult&) noexcept override { return false; }
    Result<std::vector<Task>> unpublished(std::size_t, EpochMillis) noexcept override {
      return std::vector<Task>{};
    }
    Status markPublished(const std::vector<std::string>&) noexcept override { return Status::ok(); }
    Result<QueuedTasks> queuedBefore(EpochMillis, std::size_t) noexcept override {
      return QueuedTasks{};
    }
    Status ping() noexcept override { return Status::ok(); }
    std::vector<std::string> callsAtInsert;
    bool failInsert = false;

   private:
    const FakePublisher& publisher_;
  } store(publisher);
  TaskService service(store, publisher, [] { return std::string("t1"); });

  ASSERT_TRUE(service.create("ABC123", sampleRequest()).isOk());
  EXPECT_EQ(store.callsAtInsert, std::vector<std::string>{"reserve t1"});
  EXPECT_EQ(publisher.calls, (std::vector<std::string>{"reserve t1", "enqueue t1"}));

  publisher.calls.clear();
  store.failInsert = true;
  ASSERT_FALSE(service.create("ABC123", sampleRequest()).isOk());
  EXPECT_EQ(publisher.calls, (std::vector<std::string>{"reserve t1", "abandon t1"}));
}

TEST_F(TaskServiceTest, TaskIdsAreLowerCaseVersion4UuidsNeverReused) {
  const std::regex uuid4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const auto task = service_.create("ABC123", sampleRequest());
    ASSERT_TRUE(task.isOk());
    EXPECT_TRUE(std::regex_match(task.value().id, uuid4)) << task.value().id;
    EXPECT_TRUE(seen.insert(task.value().id).second);
  }
}

TEST_F(TaskServiceTest, CreatePassesStoreOutagesOnAndPublishesNothing) {
  store_.down = true;
  const auto task = service_.create("ABC123", sampleRequest());
  ASSERT_FALSE(task.isOk());
  EXPECT_TRUE(task.status().isRetryable());
  EXPECT_TRUE(publisher_.enqueued.empty());
}

TEST_F(TaskServiceTest, FindAnswersNotFoundForAnotherDevicesTask) {
  const auto task = service_.create("ABC123", sampleRequest());
  EXPECT_TRUE(service_.find("ABC123", task.value().id).isOk());
  EXPECT_EQ(service_.find("OTHER1", task.value().id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(service_.find("ABC123", "no-such-task").status().code(), StatusCode::kNotFound);
}

TEST_F(TaskServiceTest, ApplyResultIsIdempotentAndRefusesNonTerminalResults) {
  const auto task = service_.create("ABC123", sampleRequest());
  TaskResult result;
  result.taskId = task.value().id;
  result.status = TaskStatus::kCompleted;
  result.code = 200;
  EXPECT_TRUE(service_.applyResult(result).value());
  result.status = TaskStatus::kFailed;
  EXPECT_FALSE(service_.applyResult(result).value());
  EXPECT_EQ(store_.tasks.at(task.value().id).status, TaskStatus::kCompleted);
  result.status = TaskStatus::kQueued;
  EXPECT_EQ(service_.applyResult(result).status().code(), StatusCode::kInvalidArgument);
}

TEST(StatusAnswer, FollowsTheContractsTable) {
  Task task;
  task.status = TaskStatus::kQueued;
  EXPECT_EQ(statusAnswerFor(task).code, 204);
  EXPECT_EQ(statusAnswerFor(task).message, "Task is still running");
  task.status = TaskStatus::kCompleted;
  EXPECT_EQ(statusAnswerFor(task).code, 200);
  EXPECT_EQ(statusAnswerFor(task).message, "Completed");
  task.status = TaskStatus::kEquipmentNotFound;
  EXPECT_EQ(statusAnswerFor(task).code, 404);
  EXPECT_EQ(statusAnswerFor(task).message, "The requested equipment is not found");
  task.status = TaskStatus::kFailed;
  EXPECT_EQ(statusAnswerFor(task).code, 500);
  EXPECT_EQ(statusAnswerFor(task).message, "Internal provisioning exception");
}

TEST(TerminalStatus, MapsAsAnswers) {
  EXPECT_EQ(terminalStatusForCode(200), TaskStatus::kCompleted);
  EXPECT_EQ(terminalStatusForCode(404), TaskStatus::kEquipmentNotFound);
  EXPECT_EQ(terminalStatusForCode(500), TaskStatus::kFailed);
  EXPECT_EQ(terminalStatusForCode(400), TaskStatus::kFailed);
}

}  // namespace
}  // namespace cpe
