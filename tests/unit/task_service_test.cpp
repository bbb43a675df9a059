#include "cpe/task_service.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <variant>

#include "faulty_store.h"
#include "recording_publisher.h"

namespace cpe {
namespace {

using test::FaultyStore;
using test::RecordingPublisher;
using test::StoreMethod;

ProvisioningRequest sampleRequest() {
  return std::get<ProvisioningRequest>(ProvisioningRequest::parse(
      R"({"timeoutInSeconds":14,"parameters":{"username":"admin","password":"pw","interfaces":[1]}})"));
}

class TaskServiceTest : public ::testing::Test {
 protected:
  FaultyStore store_;
  RecordingPublisher publisher_;
  TaskService service_{store_, publisher_};
};

TEST_F(TaskServiceTest, CreateStoresAQueuedTaskAndHandsItToThePublisher) {
  const auto task = service_.create("ABC123", sampleRequest());
  ASSERT_TRUE(task.isOk());
  const auto found = store_.inner().get(task.value().id);
  ASSERT_TRUE(found.isOk());
  const Task& stored = found.value();
  EXPECT_EQ(stored.equipmentId, "ABC123");
  EXPECT_EQ(stored.status, TaskStatus::kQueued);
  EXPECT_EQ(stored.timeoutInSeconds, 14);
  EXPECT_EQ(stored.parametersJson, sampleRequest().parametersJson());
  EXPECT_GT(stored.createdAt, 0);
  EXPECT_EQ(publisher_.enqueued(), std::vector<std::string>{task.value().id});
}

TEST(TaskServiceSealing, StoresAndPublishesTheParametersSealedForTheirTask) {
  FaultyStore store;
  RecordingPublisher publisher;
  const CredentialSealer sealer(
      CredentialKey::fromFileContents(std::string(CredentialKey::kSize, 'k')).value());
  TaskService service(store, publisher, {}, TaskServiceOptions{std::chrono::hours(24), &sealer});
  const auto task = service.create("ABC123", sampleRequest());
  ASSERT_TRUE(task.isOk());
  const Task stored = store.inner().get(task.value().id).value();
  // The clear text with its quotes, which the sealed form cannot hold by
  // chance as it can "pw" alone (one run in about 30 failed so).
  EXPECT_EQ(stored.parametersJson.find(R"("password":"pw")"), std::string::npos);
  EXPECT_TRUE(CredentialSealer::looksSealed(stored.parametersJson));
  EXPECT_EQ(task.value().parametersJson, stored.parametersJson) << "what the relay publishes";
  EXPECT_EQ(sealer.open(stored.parametersJson, stored.id, "ABC123").value(),
            sampleRequest().parametersJson());
}

TEST(TaskServiceOrder, ReservesTheIdBeforeStoringAndEnqueuesAfter) {
  RecordingPublisher publisher;
  FaultyStore store;
  // Notes, at insert time, what the publisher had been told so far.
  std::vector<std::string> callsAtInsert;
  store.setHook([&](StoreMethod method) {
    if (method == StoreMethod::kInsert) callsAtInsert = publisher.calls();
  });
  TaskService service(store, publisher, [] { return std::string("t1"); });

  ASSERT_TRUE(service.create("ABC123", sampleRequest()).isOk());
  EXPECT_EQ(callsAtInsert, std::vector<std::string>{"reserve t1"});
  EXPECT_EQ(publisher.calls(), (std::vector<std::string>{"reserve t1", "enqueue t1"}));

  publisher.clear();
  store.failNext(StoreMethod::kInsert, 1, Status::unavailable("down"));
  ASSERT_FALSE(service.create("ABC123", sampleRequest()).isOk());
  EXPECT_EQ(publisher.calls(), (std::vector<std::string>{"reserve t1", "abandon t1"}));
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

TEST(TaskIdForm, IsExactlyWhatNewTaskIdMakes) {
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(isTaskIdForm(newTaskId()));
  EXPECT_TRUE(isTaskIdForm("3f2b8c1e-8d6a-4c1e-9a57-2b8e1f0c9d44"));
  for (const char* other :
       {"", "x", "3F2B8C1E-8D6A-4C1E-9A57-2B8E1F0C9D44", "3f2b8c1e-8d6a-4c1e-9a57-2b8e1f0c9d4",
        "3f2b8c1e-8d6a-4c1e-9a57-2b8e1f0c9d445", "3f2b8c1e8d6a-4c1e-9a57-2b8e1f0c9d44-",
        "3f2b8c1e-8d6a-4c1e-9a57-2b8e1f0c9d4g", "3f2b8c1e-8d6a-4c1e-9a57\n2b8e1f0c9d44"}) {
    EXPECT_FALSE(isTaskIdForm(other)) << other;
  }
  EXPECT_FALSE(isTaskIdForm(std::string_view("3f2b8c1e-8d6a-4c1e-9a57-2b8e1f0c9d4\0", 36)));
}

TEST_F(TaskServiceTest, CreatePassesStoreOutagesOnAndPublishesNothing) {
  store_.failEverything(Status::unavailable("database down"));
  const auto task = service_.create("ABC123", sampleRequest());
  ASSERT_FALSE(task.isOk());
  EXPECT_TRUE(task.status().isRetryable());
  EXPECT_TRUE(publisher_.enqueued().empty());
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
  EXPECT_EQ(store_.inner().get(task.value().id).value().status, TaskStatus::kCompleted);
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
