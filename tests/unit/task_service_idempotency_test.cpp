// TaskService::createWithKey over the memory store, which keeps keys as the
// port describes, and a publisher that records what it was told.
#include <gtest/gtest.h>

#include <limits>
#include <variant>

#include "cpe/task_service.h"
#include "faulty_store.h"
#include "recording_publisher.h"

namespace cpe {
namespace {

using test::FaultyStore;
using test::RecordingPublisher;

// The tasks the store holds (none is terminal in these tests).
std::size_t storedTasks(FaultyStore& store) {
  return store.inner().queuedBefore(std::numeric_limits<EpochMillis>::max(), 0).value().count;
}

ProvisioningRequest sampleRequest() {
  return std::get<ProvisioningRequest>(ProvisioningRequest::parse(
      R"({"timeoutInSeconds":14,"parameters":{"username":"admin","password":"pw","interfaces":[1]}})"));
}

class CreateWithKey : public ::testing::Test {
 protected:
  FaultyStore store_;
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
  EXPECT_EQ(publisher_.calls(), (std::vector<std::string>{"reserve t1", "enqueue t1"}));
}

TEST_F(CreateWithKey, ARepeatReturnsTheFirstTaskAndPublishesNothingNew) {
  ASSERT_TRUE(service_.createWithKey("ABC123", sampleRequest(), "key-1").isOk());
  publisher_.clear();
  const auto repeat = service_.createWithKey("ABC123", sampleRequest(), "key-1");
  ASSERT_TRUE(repeat.isOk());
  EXPECT_TRUE(repeat.value().replayed);
  EXPECT_EQ(repeat.value().task.id, "t1");
  EXPECT_EQ(publisher_.calls(), (std::vector<std::string>{"reserve t2", "abandon t2"}));
  EXPECT_EQ(storedTasks(store_), 1u);
  EXPECT_EQ(store_.inner().get("t2").status().code(), StatusCode::kNotFound);
}

TEST_F(CreateWithKey, TheWindowStartsThatLongBeforeTheNewTask) {
  const auto created = service_.createWithKey("ABC123", sampleRequest(), "key-1");
  ASSERT_TRUE(created.isOk());
  EXPECT_EQ(store_.lastKeySince(), created.value().task.createdAt - EpochMillis{10} * 60 * 1000);
}

TEST_F(CreateWithKey, KeysAreDevicesOwn) {
  ASSERT_TRUE(service_.createWithKey("ABC123", sampleRequest(), "key-1").isOk());
  const auto other = service_.createWithKey("XYZ789", sampleRequest(), "key-1");
  ASSERT_TRUE(other.isOk());
  EXPECT_FALSE(other.value().replayed);
  EXPECT_EQ(other.value().task.id, "t2");
}

TEST_F(CreateWithKey, AStoreOutageAbandonsTheReservation) {
  store_.failEverything(Status::unavailable("database down"));
  const auto created = service_.createWithKey("ABC123", sampleRequest(), "key-1");
  EXPECT_EQ(created.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(publisher_.calls(), (std::vector<std::string>{"reserve t1", "abandon t1"}));
}

TEST_F(CreateWithKey, AnInvalidKeyIsRefusedBeforeAnythingHappens) {
  EXPECT_EQ(service_.createWithKey("ABC123", sampleRequest(), "").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(publisher_.calls().empty());
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
