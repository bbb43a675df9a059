// TaskService::createWithKey over an in-test store that keeps keys as the
// port describes, and a publisher that records what it was told.
#include <gtest/gtest.h>

#include <map>
#include <utility>
#include <variant>

#include "cpe/task_service.h"

namespace cpe {
namespace {

class KeyedStore final : public TaskStore {
 public:
  Status insert(const Task& task) noexcept override {
    tasks.emplace(task.id, task);
    return Status::ok();
  }
  Result<Task> insertWithKey(const Task& task, const std::string& key,
                             EpochMillis since) noexcept override {
    if (down) return Status::unavailable("fake store is down");
    lastSince = since;
    const auto owner = keys.find({task.equipmentId, key});
    if (owner != keys.end() && tasks.at(owner->second).createdAt >= since) {
      return tasks.at(owner->second);
    }
    keys[{task.equipmentId, key}] = task.id;
    tasks.emplace(task.id, task);
    return task;
  }
  Result<Task> get(const std::string& id) noexcept override { return tasks.at(id); }
  Result<bool> complete(const TaskResult&) noexcept override { return false; }
  Result<std::vector<Task>> unpublished(std::size_t, EpochMillis) noexcept override {
    return std::vector<Task>{};
  }
  Status markPublished(const std::vector<std::string>&) noexcept override { return Status::ok(); }
  Result<QueuedTasks> queuedBefore(EpochMillis, std::size_t) noexcept override {
    return QueuedTasks{};
  }
  Status ping() noexcept override { return Status::ok(); }

  std::map<std::string, Task> tasks;
  std::map<std::pair<std::string, std::string>, std::string> keys;
  EpochMillis lastSince = 0;
  bool down = false;
};

class RecordingPublisher final : public TaskPublisher {
 public:
  void reserve(const std::string& id) noexcept override { calls.push_back("reserve " + id); }
  void enqueue(const Task& task) noexcept override { calls.push_back("enqueue " + task.id); }
  void abandon(const std::string& id) noexcept override { calls.push_back("abandon " + id); }
  std::vector<std::string> calls;
};

ProvisioningRequest sampleRequest() {
  return std::get<ProvisioningRequest>(ProvisioningRequest::parse(
      R"({"timeoutInSeconds":14,"parameters":{"username":"admin","password":"pw","interfaces":[1]}})"));
}

class CreateWithKey : public ::testing::Test {
 protected:
  KeyedStore store_;
  RecordingPublisher publisher_;
  int nextId_ = 0;
  TaskService service_{store_, publisher_, [this] { return "t" + std::to_string(++nextId_); },
                       TaskServiceOptions{std::chrono::minutes(10)}};
};

TEST_F(CreateWithKey, TheFirstRequestCreatesAndPublishesATask) {
  const auto created = service_.createWithKey("ABC123", sampleRequest(), "key-1");
  ASSERT_TRUE(created.isOk()) << created.status().toString();
  EXPECT_FALSE(created.value().replayed);
  EXPECT_EQ(created.value().task.id, "t1");
  EXPECT_EQ(publisher_.calls, (std::vector<std::string>{"reserve t1", "enqueue t1"}));
}

TEST_F(CreateWithKey, ARepeatReturnsTheFirstTaskAndPublishesNothingNew) {
  ASSERT_TRUE(service_.createWithKey("ABC123", sampleRequest(), "key-1").isOk());
  publisher_.calls.clear();
  const auto repeat = service_.createWithKey("ABC123", sampleRequest(), "key-1");
  ASSERT_TRUE(repeat.isOk());
  EXPECT_TRUE(repeat.value().replayed);
  EXPECT_EQ(repeat.value().task.id, "t1");
  EXPECT_EQ(publisher_.calls, (std::vector<std::string>{"reserve t2", "abandon t2"}));
  EXPECT_EQ(store_.tasks.size(), 1u);
}

TEST_F(CreateWithKey, TheWindowStartsThatLongBeforeTheNewTask) {
  const auto created = service_.createWithKey("ABC123", sampleRequest(), "key-1");
  ASSERT_TRUE(created.isOk());
  EXPECT_EQ(store_.lastSince, created.value().task.createdAt - 10 * 60 * 1000);
}

TEST_F(CreateWithKey, KeysAreDevicesOwn) {
  ASSERT_TRUE(service_.createWithKey("ABC123", sampleRequest(), "key-1").isOk());
  const auto other = service_.createWithKey("XYZ789", sampleRequest(), "key-1");
  ASSERT_TRUE(other.isOk());
  EXPECT_FALSE(other.value().replayed);
  EXPECT_EQ(other.value().task.id, "t2");
}

TEST_F(CreateWithKey, AStoreOutageAbandonsTheReservation) {
  store_.down = true;
  const auto created = service_.createWithKey("ABC123", sampleRequest(), "key-1");
  EXPECT_EQ(created.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(publisher_.calls, (std::vector<std::string>{"reserve t1", "abandon t1"}));
}

TEST_F(CreateWithKey, AnInvalidKeyIsRefusedBeforeAnythingHappens) {
  EXPECT_EQ(service_.createWithKey("ABC123", sampleRequest(), "").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(publisher_.calls.empty());
}

TEST(IdempotencyKey, IsOneTo255PrintableAsciiCharacters) {
  EXPECT_TRUE(isValidIdempotencyKey("a"));
  EXPECT_TRUE(isValidIdempotencyKey("8e03978e-40d5-43e8-bc93-6894a57f9324"));
  EXPECT_TRUE(isValidIdempotencyKey(std::string(255, '~')));
  EXPECT_FALSE(isValidIdempotencyKey(""));
  EXPECT_FALSE(isValidIdempotencyKey(std::string(256, 'k')));
  EXPECT_FALSE(isValidIdempotencyKey("with space"));
  EXPECT_FALSE(isValidIdempotencyKey("tab\there"));
  EXPECT_FALSE(isValidIdempotencyKey("caf\xc3\xa9"));
  EXPECT_FALSE(isValidIdempotencyKey(std::string("nul\0x", 5)));
}

}  // namespace
}  // namespace cpe
