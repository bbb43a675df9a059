// ResultApplier over the fake broker and a TaskService on the memory store:
// each result is applied once and acknowledged only after the store has it.
#include "results/result_applier.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "collected_metrics.h"
#include "cpe/messages.h"
#include "cpe/sdk/mutex.h"
#include "fake_broker.h"
#include "faulty_store.h"
#include "recording_publisher.h"
#include "wait_for.h"

namespace cpe::host {
namespace {

using cpe::test::FakeBroker;
using cpe::test::FaultyStore;
using cpe::test::RecordingPublisher;
using cpe::test::StoreMethod;
using cpe::test::waitFor;

TaskResult resultFor(const std::string& taskId, int code, const std::string& message) {
  TaskResult result;
  result.taskId = taskId;
  result.equipmentId = "ABC123";
  result.status = terminalStatusForCode(code);
  result.code = code;
  result.message = message;
  result.attempts = 1;
  result.finishedAt = nowMillis();
  return result;
}

class ResultApplierTest : public ::testing::Test {
 protected:
  void TearDown() override {
    released_ = true;  // a test that failed while an update was held
    if (applier_) applier_->stop();
    broker_.stop();
  }

  void startApplier(int threads = 2, int prefetch = 64) {
    applier_ = std::make_unique<ResultApplier>(broker_, service_, ResultsOptions{threads, prefetch},
                                               metrics_, [this](const std::string& taskId) {
                                                 MutexLock lock(announcedMutex_);
                                                 announced_.push_back(taskId);
                                               });
    ASSERT_TRUE(applier_->start().isOk());
    ASSERT_TRUE(broker_.start().isOk());
  }

  void storeQueuedTask(const std::string& id) {
    Task task;
    task.id = id;
    task.equipmentId = "ABC123";
    task.timeoutInSeconds = 14;
    task.parametersJson = "{}";
    task.createdAt = nowMillis();
    ASSERT_TRUE(store_.inner().insert(task).isOk());
  }

  Task stored(const std::string& id) { return store_.inner().get(id).value(); }

  void sendResult(const TaskResult& result) {
    broker_.inject(QueueRole::kResults, result.taskId, encodeResultMessage(result));
  }

  std::vector<Settlement> settlementsOf(const std::string& id) const {
    return broker_.settlements(QueueRole::kResults, id);
  }

  bool waitForSettlement(const std::string& id) const {
    return waitFor([&] { return !settlementsOf(id).empty(); });
  }

  double counter(const std::string& name, const prometheus::Labels& labels = {}) {
    return testing::counterValue(metrics_, name, labels);
  }

  FakeBroker broker_;
  FaultyStore store_;
  RecordingPublisher publisher_;
  TaskService service_{store_, publisher_};
  prometheus::Registry metrics_;
  std::unique_ptr<ResultApplier> applier_;
  std::atomic<bool> released_{false};  // for a store hook that holds updates

  std::vector<std::string> announced() {
    MutexLock lock(announcedMutex_);
    return announced_;
  }

 private:
  Mutex announcedMutex_;
  std::vector<std::string> announced_
      CPE_GUARDED_BY(announcedMutex_);  // tasks the applier said it applied
};

TEST_F(ResultApplierTest, AppliesAResultToItsTaskAndAcksIt) {
  storeQueuedTask("t1");
  startApplier();
  sendResult(resultFor("t1", 404, "no such device"));

  ASSERT_TRUE(waitForSettlement("t1"));
  EXPECT_EQ(settlementsOf("t1"), std::vector<Settlement>{Settlement::kAck});
  const Task task = stored("t1");
  EXPECT_EQ(task.status, TaskStatus::kEquipmentNotFound);
  EXPECT_EQ(task.resultCode, 404);
  EXPECT_EQ(task.resultMessage, "no such device");
  EXPECT_EQ(counter("cpe_results_applied_total", {{"status", "equipment_not_found"}}), 1);
}

TEST_F(ResultApplierTest, ADuplicateResultForATerminalTaskIsAckedAndChangesNothing) {
  storeQueuedTask("t1");
  ASSERT_TRUE(store_.inner().complete(resultFor("t1", 200, "success")).isOk());
  startApplier();
  sendResult(resultFor("t1", 500, "late failure"));

  ASSERT_TRUE(waitForSettlement("t1"));
  EXPECT_EQ(settlementsOf("t1"), std::vector<Settlement>{Settlement::kAck});
  const Task task = stored("t1");
  EXPECT_EQ(task.status, TaskStatus::kCompleted);
  EXPECT_EQ(task.resultCode, 200);
  EXPECT_EQ(task.resultMessage, "success");
  EXPECT_EQ(counter("cpe_results_duplicate_total"), 1);
  EXPECT_EQ(counter("cpe_results_applied_total", {{"status", "failed"}}), 0);
}

TEST_F(ResultApplierTest, AnAppliedResultIsAnnouncedOnceTheStoreHasItAndADuplicateIsNot) {
  storeQueuedTask("t1");
  storeQueuedTask("t2");
  ASSERT_TRUE(store_.inner().complete(resultFor("t2", 200, "success")).isOk());
  startApplier();
  sendResult(resultFor("t1", 200, "success"));
  sendResult(resultFor("t2", 500, "late failure"));

  ASSERT_TRUE(waitForSettlement("t1"));
  ASSERT_TRUE(waitForSettlement("t2"));
  EXPECT_EQ(announced(), std::vector<std::string>{"t1"});
}

TEST_F(ResultApplierTest, TimesEachTaskItMakesTerminalFromItsPostButNotADuplicate) {
  Task old;
  old.id = "t1";
  old.equipmentId = "ABC123";
  old.timeoutInSeconds = 14;
  old.parametersJson = "{}";
  old.createdAt = nowMillis() - 90'000;  // posted a minute and a half ago
  ASSERT_TRUE(store_.inner().insert(old).isOk());
  storeQueuedTask("t2");
  ASSERT_TRUE(store_.inner().complete(resultFor("t2", 200, "success")).isOk());
  startApplier();
  sendResult(resultFor("t1", 404, "no such device"));
  sendResult(resultFor("t2", 500, "late failure"));

  constexpr const char* kName = "cpe_task_accept_to_terminal_seconds";
  ASSERT_TRUE(waitFor([&] {
    return testing::histogramCount(metrics_, kName, {{"status", "equipment_not_found"}}) == 1;
  }));
  ASSERT_TRUE(waitForSettlement("t2"));
  const auto observed =
      testing::collectedSample(metrics_, kName, {{"status", "equipment_not_found"}});
  ASSERT_TRUE(observed.has_value());
  EXPECT_GE(observed->histogram.sample_sum, 90.0);
  EXPECT_LT(observed->histogram.sample_sum, 120.0);
  // The duplicate for t2 changed nothing, so it is not timed; every terminal
  // status has its series from the start.
  EXPECT_EQ(testing::histogramCount(metrics_, kName, {{"status", "failed"}}), 0u);
  EXPECT_TRUE(testing::collectedSample(metrics_, kName, {{"status", "completed"}}).has_value());
}

TEST_F(ResultApplierTest, WhileTheStoreIsUnavailableTheResultIsRetriedThenAppliedOnceItIsBack) {
  storeQueuedTask("t1");
  store_.failAlways(StoreMethod::kComplete, Status::unavailable("database restarting"));
  startApplier();
  sendResult(resultFor("t1", 200, "success"));

  ASSERT_TRUE(waitFor([&] { return store_.calls(StoreMethod::kComplete) >= 2; }));
  // Held, neither acknowledged nor dropped.
  EXPECT_TRUE(settlementsOf("t1").empty());
  EXPECT_EQ(broker_.unsettledCount(QueueRole::kResults), 1u);
  EXPECT_EQ(stored("t1").status, TaskStatus::kQueued);

  store_.heal();
  ASSERT_TRUE(waitForSettlement("t1"));
  EXPECT_EQ(settlementsOf("t1"), std::vector<Settlement>{Settlement::kAck});
  EXPECT_EQ(stored("t1").status, TaskStatus::kCompleted);
  EXPECT_TRUE(broker_.deadLetters(QueueRole::kResults).empty());
}

TEST_F(ResultApplierTest, AResultTheStoreRefusesFailsItsTaskAndIsDeadLettered) {
  storeQueuedTask("t1");
  store_.failNext(StoreMethod::kComplete, 1, Status::invalidArgument("text contains a NUL"));
  startApplier();
  sendResult(resultFor("t1", 200, "success"));

  ASSERT_TRUE(waitForSettlement("t1"));
  EXPECT_EQ(settlementsOf("t1"), std::vector<Settlement>{Settlement::kDeadLetter});
  EXPECT_EQ(broker_.deadLetters(QueueRole::kResults).size(), 1u);
  EXPECT_EQ(counter("cpe_messages_dead_lettered_total", {{"queue", "results"}}), 1);
  const Task task = stored("t1");
  EXPECT_EQ(task.status, TaskStatus::kFailed) << "the task must not stay queued";
  EXPECT_EQ(task.resultCode, 500);
  EXPECT_EQ(task.resultMessage, "Internal provisioning exception");
  EXPECT_EQ(store_.calls(StoreMethod::kComplete), 2);  // the refused result, then the failure
  EXPECT_TRUE(waitFor([&] {
    return testing::histogramCount(metrics_, "cpe_task_accept_to_terminal_seconds",
                                   {{"status", "failed"}}) == 1;
  }));
}

TEST_F(ResultApplierTest, WhenTheFailureIsRefusedTooTheResultIsDeadLetteredAndTheTaskLeft) {
  storeQueuedTask("t1");
  store_.failAlways(StoreMethod::kComplete, Status::internal("corrupt row"));
  startApplier();
  sendResult(resultFor("t1", 200, "success"));

  ASSERT_TRUE(waitForSettlement("t1"));
  EXPECT_EQ(settlementsOf("t1"), std::vector<Settlement>{Settlement::kDeadLetter});
  EXPECT_EQ(store_.calls(StoreMethod::kComplete), 2);  // not retried further
  EXPECT_EQ(stored("t1").status, TaskStatus::kQueued);
}

TEST_F(ResultApplierTest, AResultForATaskTheStoreDoesNotKnowIsDeadLettered) {
  startApplier();
  sendResult(resultFor("unknown", 200, "success"));

  ASSERT_TRUE(waitForSettlement("unknown"));
  EXPECT_EQ(settlementsOf("unknown"), std::vector<Settlement>{Settlement::kDeadLetter});
  EXPECT_EQ(counter("cpe_messages_dead_lettered_total", {{"queue", "results"}}), 1);
}

TEST_F(ResultApplierTest, APoisonResultMessageIsDeadLettered) {
  startApplier();
  broker_.inject(QueueRole::kResults, "poison-1",
                 R"({"version":1,"taskId":"t1","status":"queued"})");

  ASSERT_TRUE(waitForSettlement("poison-1"));
  EXPECT_EQ(settlementsOf("poison-1"), std::vector<Settlement>{Settlement::kDeadLetter});
  ASSERT_EQ(broker_.deadLetters(QueueRole::kResults).size(), 1u);
  EXPECT_EQ(broker_.deadLetters(QueueRole::kResults)[0].messageId, "poison-1");
  EXPECT_EQ(counter("cpe_messages_dead_lettered_total", {{"queue", "results"}}), 1);
  EXPECT_EQ(store_.calls(StoreMethod::kComplete), 0);
}

TEST_F(ResultApplierTest, ResultsBeyondItsThreadsWaitHereUpToThePrefetchNotInTheBroker) {
  // With a prefetch of one per thread, each update waited for its ack to
  // reach the broker and the next delivery to come back: on a loaded
  // machine that round trip, not the store, set the rate of results.
  store_.setHook([this](StoreMethod method) {
    if (method == StoreMethod::kComplete) waitFor([this] { return released_.load(); });
  });
  std::vector<std::string> ids;
  for (int i = 1; i <= 10; ++i) ids.push_back("t" + std::to_string(i));
  for (const auto& id : ids) storeQueuedTask(id);
  startApplier(1, 6);
  for (const auto& id : ids) sendResult(resultFor(id, 200, "success"));

  // The one thread is held in its first update meanwhile.
  const bool delivered = waitFor([&] { return broker_.unsettledCount(QueueRole::kResults) == 6; });
  const std::size_t leftInTheBroker = broker_.readyCount(QueueRole::kResults);
  released_ = true;
  ASSERT_TRUE(delivered) << broker_.unsettledCount(QueueRole::kResults)
                         << " results delivered while the one thread was busy, not 6";
  EXPECT_EQ(leftInTheBroker, 4U);
  for (const auto& id : ids) {
    ASSERT_TRUE(waitForSettlement(id)) << id;
    EXPECT_EQ(settlementsOf(id), std::vector<Settlement>{Settlement::kAck}) << id;
    EXPECT_EQ(stored(id).status, TaskStatus::kCompleted) << id;
  }
  store_.setHook({});
}

TEST_F(ResultApplierTest, StopHandsResultsStillPendingBackToTheQueue) {
  storeQueuedTask("t1");
  storeQueuedTask("t2");
  store_.failAlways(StoreMethod::kComplete, Status::unavailable("database down"));
  startApplier(2);
  sendResult(resultFor("t1", 200, "success"));
  sendResult(resultFor("t2", 200, "success"));
  ASSERT_TRUE(waitFor([&] { return broker_.unsettledCount(QueueRole::kResults) == 2; }));
  ASSERT_TRUE(waitFor([&] { return store_.calls(StoreMethod::kComplete) >= 2; }));

  applier_->stop();
  for (const std::string id : {"t1", "t2"}) {
    // Requeued (more than once if the broker handed it back during stop()),
    // never acknowledged or dead-lettered.
    const auto settled = settlementsOf(id);
    ASSERT_FALSE(settled.empty()) << id;
    for (Settlement how : settled) EXPECT_EQ(how, Settlement::kRequeue) << id;
    EXPECT_EQ(stored(id).status, TaskStatus::kQueued);
  }
  EXPECT_TRUE(broker_.deadLetters(QueueRole::kResults).empty());
}

}  // namespace
}  // namespace cpe::host
