// OutboxRelay over the fake broker and the memory store: every stored task
// reaches the tasks queue, and a sweep never duplicates a publish the fast
// path still has in hand.
#include "outbox/outbox_relay.h"

#include <gtest/gtest.h>

#include <future>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <variant>

#include "collected_metrics.h"
#include "cpe/credential_sealer.h"
#include "cpe/messages.h"
#include "cpe/provisioning_request.h"
#include "fake_broker.h"
#include "faulty_store.h"
#include "wait_for.h"

namespace cpe::host {
namespace {

using cpe::test::FakeBroker;
using cpe::test::FaultyStore;
using cpe::test::StoreMethod;
using cpe::test::waitFor;
using std::chrono::milliseconds;

// Sweeps every few milliseconds, of tasks of any age.
OutboxOptions fastSweeps() {
  OutboxOptions options;
  options.sweepInterval = milliseconds(5);
  options.sweepMinAge = milliseconds(0);
  return options;
}

ProvisioningRequest sampleRequest() {
  return std::get<ProvisioningRequest>(ProvisioningRequest::parse(
      R"({"timeoutInSeconds":14,"parameters":{"username":"admin","password":"pw","interfaces":[1]}})"));
}

class OutboxRelayTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (relay_) relay_->stop();
    broker_.stop();
  }

  // The relay, with TaskService in front of it as the API has it; started
  // unless the test wants to fill the fast path first.
  void makeRelay(const OutboxOptions& options, bool start = true) {
    relay_ = std::make_unique<OutboxRelay>(store_, broker_, options, metrics_);
    service_ = std::make_unique<TaskService>(store_, *relay_);
    ASSERT_TRUE(broker_.start().isOk());
    if (start) relay_->start();
  }

  std::string createTask() {
    const auto created = service_->create("ABC123", sampleRequest());
    EXPECT_TRUE(created.isOk()) << created.status().toString();
    return created.isOk() ? created.value().id : std::string();
  }

  // A task stored without the fast path hearing of it (the process died
  // before enqueue(), or the queue was full).
  Task insertUnannounced(const std::string& id, milliseconds age) {
    Task task;
    task.id = id;
    task.equipmentId = "ABC123";
    task.timeoutInSeconds = 14;
    task.parametersJson = "{}";
    task.createdAt = nowMillis() - age.count();
    EXPECT_TRUE(store_.inner().insert(task).isOk());
    return task;
  }

  bool markedPublished(const std::string& id) {
    const auto left =
        store_.inner().unpublished(1000, std::numeric_limits<EpochMillis>::max()).value();
    for (const Task& task : left) {
      if (task.id == id) return false;
    }
    return true;
  }

  int publishes(const std::string& id) const { return broker_.publishCount(QueueRole::kTasks, id); }

  // Returns once at least one whole sweep began and ended after the call:
  // the relay's thread queries the store once per sweep, so two more
  // queries mean the first of them has finished.
  bool waitForAWholeSweep() {
    const int before = store_.calls(StoreMethod::kUnpublished);
    return waitFor([&] { return store_.calls(StoreMethod::kUnpublished) >= before + 2; });
  }

  double swept() { return testing::counterValue(metrics_, "cpe_outbox_swept_total"); }

  FakeBroker broker_;
  FaultyStore store_;
  prometheus::Registry metrics_;
  std::unique_ptr<OutboxRelay> relay_;
  std::unique_ptr<TaskService> service_;
};

TEST_F(OutboxRelayTest, TheFastPathPublishesANewTaskOnceAndMarksItPublished) {
  makeRelay(fastSweeps());
  const std::string id = createTask();

  ASSERT_TRUE(waitFor([&] { return markedPublished(id); }));
  ASSERT_TRUE(waitForAWholeSweep());
  EXPECT_EQ(publishes(id), 1);
  EXPECT_EQ(swept(), 0);
  EXPECT_EQ(relay_->pendingCount(), 0u);
}

TEST_F(OutboxRelayTest, TheSweepPublishesATaskLeftUnpublished) {
  OutboxOptions options = fastSweeps();
  options.sweepMinAge = milliseconds(1000);
  insertUnannounced("old", milliseconds(5000));
  makeRelay(options);

  ASSERT_TRUE(waitFor([&] { return markedPublished("old"); }));
  ASSERT_TRUE(waitForAWholeSweep());
  EXPECT_EQ(publishes("old"), 1);
  EXPECT_EQ(swept(), 1);
}

// What a stored row holds decides the message: parameters sealed (by
// TaskService, or by CredentialMigration in place) go out as version 2,
// parameters an older version stored in the clear as version 1.
TEST_F(OutboxRelayTest, TheSweepPublishesASealedRowAsVersion2AndAPlaintextRowAsVersion1) {
  const CredentialSealer sealer(
      CredentialKey::fromFileContents(std::string(CredentialKey::kSize, 'k')).value());
  const std::string clear = sampleRequest().parametersJson();
  const std::string blob = sealer.seal(clear, "sealed", "ABC123");
  for (const auto& [id, parameters] : {std::pair{"sealed", blob}, std::pair{"clear", clear}}) {
    Task task = insertUnannounced(id, milliseconds(10));
    ASSERT_TRUE(store_.inner().replaceParameters(id, task.parametersJson, parameters).value());
  }
  makeRelay(fastSweeps());

  ASSERT_TRUE(waitFor([&] { return markedPublished("sealed") && markedPublished("clear"); }));
  std::string sealedBody;
  std::string clearBody;
  for (const auto& message : broker_.published(QueueRole::kTasks)) {
    (message.messageId == "sealed" ? sealedBody : clearBody) = message.body;
  }
  EXPECT_NE(sealedBody.find(R"("version":2)"), std::string::npos) << sealedBody;
  EXPECT_NE(sealedBody.find(R"("sealedParameters":")"), std::string::npos) << sealedBody;
  EXPECT_EQ(sealedBody.find(R"("parameters")"), std::string::npos) << sealedBody;
  auto decoded = decodeTaskMessage(sealedBody);
  ASSERT_TRUE(decoded.isOk()) << decoded.status().toString();
  EXPECT_EQ(decoded.value().parametersJson, blob);
  EXPECT_NE(clearBody.find(R"("version":1)"), std::string::npos) << clearBody;
  EXPECT_EQ(clearBody.find("sealedParameters"), std::string::npos) << clearBody;
  auto decodedClear = decodeTaskMessage(clearBody);
  ASSERT_TRUE(decodedClear.isOk()) << decodedClear.status().toString();
  EXPECT_EQ(decodedClear.value().parametersJson, clear);
}

TEST_F(OutboxRelayTest, TheSweepLeavesTasksYoungerThanSweepMinAgeToTheFastPath) {
  OutboxOptions options = fastSweeps();
  options.sweepMinAge = std::chrono::hours(1);
  insertUnannounced("young", milliseconds(0));
  makeRelay(options);

  ASSERT_TRUE(waitForAWholeSweep());
  EXPECT_EQ(publishes("young"), 0);
  EXPECT_FALSE(markedPublished("young"));
}

TEST_F(OutboxRelayTest, ATaskWhoseConfirmIsPendingIsNotPublishedAgainBySweeps) {
  broker_.holdConfirms();
  makeRelay(fastSweeps());
  const std::string id = createTask();
  ASSERT_TRUE(waitFor([&] { return broker_.heldConfirms() == 1; }));

  // The store still lists it unpublished, so every sweep sees it.
  ASSERT_TRUE(waitForAWholeSweep());
  ASSERT_TRUE(waitForAWholeSweep());
  EXPECT_EQ(publishes(id), 1);
  EXPECT_FALSE(markedPublished(id));

  broker_.releaseConfirms();
  ASSERT_TRUE(waitFor([&] { return markedPublished(id); }));
  ASSERT_TRUE(waitForAWholeSweep());
  EXPECT_EQ(publishes(id), 1);
  EXPECT_EQ(swept(), 0);
}

TEST_F(OutboxRelayTest, AReservedTaskNotYetEnqueuedIsLeftToTheFastPath) {
  makeRelay(fastSweeps());
  // What TaskService does, with the thread paused between insert and enqueue.
  relay_->reserve("t1");
  const Task task = insertUnannounced("t1", milliseconds(0));
  ASSERT_TRUE(waitForAWholeSweep());
  ASSERT_TRUE(waitForAWholeSweep());
  EXPECT_EQ(publishes("t1"), 0);

  relay_->enqueue(task);
  ASSERT_TRUE(waitFor([&] { return markedPublished("t1"); }));
  ASSERT_TRUE(waitForAWholeSweep());
  EXPECT_EQ(publishes("t1"), 1);
  EXPECT_EQ(swept(), 0);
}

TEST_F(OutboxRelayTest, AnAbandonedReservationDoesNotHideATaskFromTheSweep) {
  makeRelay(fastSweeps());
  relay_->reserve("t1");
  insertUnannounced("t1", milliseconds(0));
  relay_->abandon("t1");  // say the insert's answer was lost, though the row is there

  ASSERT_TRUE(waitFor([&] { return markedPublished("t1"); }));
  EXPECT_EQ(publishes("t1"), 1);
  EXPECT_EQ(swept(), 1);
}

TEST_F(OutboxRelayTest, AFailedConfirmLeavesTheTaskUnpublishedUntilASweepGetsItConfirmed) {
  broker_.failNextConfirms(3);  // the fast path's and two sweeps' publishes
  makeRelay(fastSweeps());
  const std::string id = createTask();

  ASSERT_TRUE(waitFor([&] { return markedPublished(id); }));
  const auto published = broker_.published(QueueRole::kTasks);
  ASSERT_EQ(published.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(published[i].confirm.has_value());
    EXPECT_FALSE(published[i].confirm->isOk()) << i;
  }
  EXPECT_TRUE(published[3].confirm->isOk());
  EXPECT_EQ(swept(), 3);
  // Confirmed and marked: the sweeps leave it alone now.
  ASSERT_TRUE(waitForAWholeSweep());
  EXPECT_EQ(publishes(id), 4);
}

TEST_F(OutboxRelayTest, WhileTheBrokerBlocksPublishingTasksWaitInTheStoreAndSweepsSkip) {
  broker_.setBlocked(true);
  makeRelay(fastSweeps());
  const std::string id = createTask();  // the fast path tries once and is refused

  ASSERT_TRUE(waitFor([&] { return publishes(id) == 1 && relay_->pendingCount() == 0; }));
  // Each sweep asks once; two more asks mean a whole sweep passed since.
  const int asked = broker_.blockedQueries();
  ASSERT_TRUE(waitFor([&] { return broker_.blockedQueries() >= asked + 2; }));
  EXPECT_EQ(publishes(id), 1) << "a sweep published while the broker blocked publishing";
  EXPECT_EQ(store_.calls(StoreMethod::kUnpublished), 0) << "a sweep read the store for nothing";
  EXPECT_FALSE(markedPublished(id));

  broker_.setBlocked(false);
  ASSERT_TRUE(waitFor([&] { return markedPublished(id); }));
  EXPECT_EQ(publishes(id), 2);
}

TEST_F(OutboxRelayTest, PublishesAwaitingConfirmsStopAtMaxInFlightAndTheRestWaitInTheStore) {
  broker_.holdConfirms();  // a broker that stalls without refusing
  OutboxOptions options = fastSweeps();
  options.maxInFlight = 3;
  makeRelay(options);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(createTask());

  ASSERT_TRUE(waitFor([&] { return broker_.heldConfirms() == 3; }));
  ASSERT_TRUE(waitForAWholeSweep());
  EXPECT_EQ(broker_.published(QueueRole::kTasks).size(), 3u) << "past maxInFlight";
  EXPECT_EQ(relay_->pendingCount(), 3u);

  broker_.releaseConfirms();
  for (const auto& id : ids) {
    EXPECT_TRUE(waitFor([&] { return markedPublished(id); })) << id;
  }
}

TEST_F(OutboxRelayTest, TasksBeyondMaxQueuedWaitForTheSweepAndAllGetPublished) {
  OutboxOptions options = fastSweeps();
  options.maxQueued = 2;
  makeRelay(options, /*start=*/false);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(createTask());
  EXPECT_EQ(relay_->pendingCount(), 2u);  // the fast path took only maxQueued

  relay_->start();
  ASSERT_TRUE(waitFor([&] {
    for (const auto& id : ids) {
      if (!markedPublished(id)) return false;
    }
    return true;
  }));
  for (const auto& id : ids) EXPECT_EQ(publishes(id), 1) << id;
  EXPECT_EQ(swept(), 3);
}

TEST_F(OutboxRelayTest, StopWaitsForConfirmsInFlightAndMarksThemPublished) {
  broker_.holdConfirms();
  makeRelay(fastSweeps());
  const std::string id = createTask();
  ASSERT_TRUE(waitFor([&] { return broker_.heldConfirms() == 1; }));

  auto stopping = std::async(std::launch::async, [&] { relay_->stop(std::chrono::seconds(60)); });
  // Still waiting: the confirm is held. (Only a broken stop() returns here.)
  EXPECT_EQ(stopping.wait_for(milliseconds(100)), std::future_status::timeout);
  broker_.releaseConfirms();
  ASSERT_EQ(stopping.wait_for(cpe::test::kWaitDeadline), std::future_status::ready);
  EXPECT_TRUE(markedPublished(id));
  EXPECT_EQ(publishes(id), 1);
}

TEST_F(OutboxRelayTest, StopLeavesATaskUnconfirmedAfterTheGraceUnpublishedForALaterSweep) {
  broker_.holdConfirms();
  makeRelay(fastSweeps());
  const std::string id = createTask();
  ASSERT_TRUE(waitFor([&] { return broker_.heldConfirms() == 1; }));

  relay_->stop(milliseconds(20));
  EXPECT_FALSE(markedPublished(id));
}

}  // namespace
}  // namespace cpe::host
