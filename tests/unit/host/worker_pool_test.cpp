// WorkerPool over the fake broker, the memory store and a scripted A: what
// the pool publishes and how it settles each task message.
#include "worker/worker_pool.h"

#include <Poco/Logger.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "collected_metrics.h"
#include "cpe/json_answer.h"
#include "cpe/messages.h"
#include "fake_broker.h"
#include "faulty_store.h"
#include "scripted_a.h"
#include "wait_for.h"

namespace cpe::host {
namespace {

using cpe::test::FakeBroker;
using cpe::test::FaultyStore;
using cpe::test::ScriptedA;
using cpe::test::waitFor;
using std::chrono::milliseconds;

// Fast retries and no breaker unless a test asks for one.
WorkerOptions fastOptions(int threads = 2) {
  WorkerOptions options;
  options.threads = threads;
  options.retry.initialBackoff = milliseconds(1);
  options.retry.maxBackoff = milliseconds(5);
  options.retry.budget = milliseconds(60000);
  options.breaker.failureThreshold = 0;
  return options;
}

class WorkerPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A line per failed call would flood the output of the retry tests.
    Poco::Logger::get("worker").setLevel(Poco::Message::PRIO_WARNING);
  }

  void TearDown() override {
    a_.openGate();
    if (pool_) pool_->stop();
    broker_.stop();
  }

  void startPool(const WorkerOptions& options, const CredentialSealer* sealer = nullptr) {
    pool_ = std::make_unique<WorkerPool>(broker_, options, metrics_, &store_, a_.factory(), sealer);
    ASSERT_TRUE(pool_->start().isOk());
    ASSERT_TRUE(broker_.start().isOk());
  }

  // A queued task as the API would have stored it.
  Task storedTask(const std::string& id) {
    Task task;
    task.id = id;
    task.equipmentId = "ABC123";
    task.timeoutInSeconds = 14;
    task.parametersJson = R"({"username":"admin","password":"pw","interfaces":[1]})";
    task.createdAt = nowMillis();
    EXPECT_TRUE(store_.inner().insert(task).isOk());
    return task;
  }

  void sendTask(const Task& task, bool redelivered = false) {
    broker_.inject(QueueRole::kTasks, task.id, encodeTaskMessage(task), redelivered);
  }

  std::vector<Settlement> settlementsOf(const std::string& taskId) const {
    return broker_.settlements(QueueRole::kTasks, taskId);
  }

  // Waits for the task message to be settled `count` times.
  bool waitForSettlements(const std::string& taskId, std::size_t count = 1) const {
    return waitFor([&] { return settlementsOf(taskId).size() >= count; });
  }

  // The last result published for the task, decoded.
  std::optional<TaskResult> resultFor(const std::string& taskId) const {
    std::optional<TaskResult> found;
    for (const auto& published : broker_.published(QueueRole::kResults)) {
      if (published.messageId != taskId) continue;
      auto decoded = decodeResultMessage(published.body);
      EXPECT_TRUE(decoded.isOk()) << decoded.status().toString();
      if (decoded.isOk()) found = decoded.value();
    }
    return found;
  }

  FakeBroker broker_;
  FaultyStore store_;
  prometheus::Registry metrics_;
  ScriptedA a_;
  std::unique_ptr<WorkerPool> pool_;
};

TEST_F(WorkerPoolTest, ADeliveryLostWithItsConnectionIsNotCalledForAgain) {
  // The first call fails, and meanwhile the consumers' connection drops:
  // the broker delivers the task again, to the other thread.
  a_.setScript([this](const ScriptedA::Call& call) {
    if (call.number == 1) {
      broker_.loseConnection();
      return ScriptedA::unreachable();
    }
    return ScriptedA::answer(200, "success");
  });
  startPool(fastOptions(2));
  sendTask(storedTask("t1"));

  ASSERT_TRUE(waitForSettlements("t1"));
  ASSERT_TRUE(waitFor([&] {
    return testing::counterValue(metrics_, "cpe_worker_deliveries_abandoned_total") == 1;
  }));
  EXPECT_EQ(a_.calls(), 2) << "the lost delivery's thread called A again";
  EXPECT_EQ(settlementsOf("t1"), std::vector<Settlement>{Settlement::kAck});
  EXPECT_EQ(broker_.deliveryCount(QueueRole::kTasks, "t1"), 2);
  ASSERT_TRUE(resultFor("t1").has_value());
  EXPECT_EQ(resultFor("t1")->code, 200);
}

struct AnswerCase {
  int code;
  const char* message;
  TaskStatus status;
};

// Names the case in test listings (and so in CTest's test names).
void PrintTo(const AnswerCase& answer, std::ostream* out) { *out << "A answers " << answer.code; }

class WorkerPoolAnswers : public WorkerPoolTest,
                          public ::testing::WithParamInterface<AnswerCase> {};

TEST_P(WorkerPoolAnswers, PublishesAsAnswerAndAcksTheTaskOnlyOnceTheResultIsConfirmed) {
  const AnswerCase answer = GetParam();
  a_.setScript(
      [answer](const ScriptedA::Call&) { return ScriptedA::answer(answer.code, answer.message); });
  broker_.holdConfirms();
  startPool(fastOptions());
  const Task task = storedTask("t1");
  sendTask(task);

  ASSERT_TRUE(waitFor([&] { return broker_.heldConfirms() == 1; }));
  const auto result = resultFor("t1");
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->taskId, "t1");
  EXPECT_EQ(result->equipmentId, "ABC123");
  EXPECT_EQ(result->status, answer.status);
  EXPECT_EQ(result->code, answer.code);
  EXPECT_EQ(result->message, answer.message);
  EXPECT_EQ(result->attempts, 1);
  // The result is not safe yet: the task is still ours, unsettled.
  EXPECT_TRUE(settlementsOf("t1").empty());
  EXPECT_EQ(broker_.unsettledCount(QueueRole::kTasks), 1u);

  broker_.releaseConfirms();
  ASSERT_TRUE(waitForSettlements("t1"));
  EXPECT_EQ(settlementsOf("t1"), std::vector<Settlement>{Settlement::kAck});
  EXPECT_EQ(a_.calls(), 1);
}

INSTANTIATE_TEST_SUITE_P(
    AsAnswers, WorkerPoolAnswers,
    ::testing::Values(AnswerCase{200, "success", TaskStatus::kCompleted},
                      AnswerCase{404, "no such device", TaskStatus::kEquipmentNotFound},
                      AnswerCase{500, "device refused the settings", TaskStatus::kFailed}),
    [](const ::testing::TestParamInfo<AnswerCase>& testCase) {
      return "Code" + std::to_string(testCase.param.code);
    });

CredentialKey keyOf(char fill) {
  return CredentialKey::fromFileContents(std::string(CredentialKey::kSize, fill)).value();
}

// Sealed parameters (task message version 2) reach A opened, and only A.
TEST_F(WorkerPoolTest, OpensSealedParametersJustForTheCallToA) {
  std::string received;
  a_.setScript([&received](const ScriptedA::Call& call) {
    received = call.parametersJson;
    return ScriptedA::answer(200, "success");
  });
  const CredentialSealer sealer(keyOf('n'), {keyOf('o')});
  startPool(fastOptions(1), &sealer);
  Task task = storedTask("t1");
  const std::string clear = task.parametersJson;
  // Sealed under the previous key: a task from before a rotation.
  task.parametersJson = CredentialSealer(keyOf('o')).seal(clear, task.id, task.equipmentId);
  sendTask(task);
  ASSERT_TRUE(waitForSettlements("t1"));
  EXPECT_EQ(received, clear);
  EXPECT_EQ(resultFor("t1")->code, 200);
}

TEST_F(WorkerPoolTest, FailsATaskWhoseSealedParametersDoNotOpenWithoutCallingA) {
  const CredentialSealer sealer(keyOf('n'));
  startPool(fastOptions(1), &sealer);
  const std::vector<std::pair<std::string, std::string>> cases = {
      // Sealed with a key this host does not have.
      {"t1", CredentialSealer(keyOf('x')).seal(R"({"username":"a","password":"p","interfaces":[1]})", "t1", "ABC123")},
      // Sealed for another task.
      {"t2", sealer.seal(R"({"username":"a","password":"p","interfaces":[1]})", "t1", "ABC123")},
      // Opens, but breaks the API's rules.
      {"t3", sealer.seal(R"({"username":"a","password":"p"})", "t3", "ABC123")}};
  for (const auto& [id, sealed] : cases) {
    Task task = storedTask(id);
    task.parametersJson = sealed;
    sendTask(task);
    ASSERT_TRUE(waitForSettlements(id)) << id;
    const auto result = resultFor(id);
    ASSERT_TRUE(result.has_value()) << id;
    EXPECT_EQ(result->code, 500) << id;
    EXPECT_EQ(result->attempts, 0) << id;
  }
  EXPECT_EQ(a_.calls(), 0);
}

TEST_F(WorkerPoolTest, RequeuesTheTaskWhenItsResultIsNotConfirmedAndDoesItAgain) {
  broker_.failNextConfirms(1);
  startPool(fastOptions());
  sendTask(storedTask("t1"));

  ASSERT_TRUE(waitForSettlements("t1", 2));
  EXPECT_EQ(settlementsOf("t1"), (std::vector<Settlement>{Settlement::kRequeue, Settlement::kAck}));
  EXPECT_EQ(broker_.deliveryCount(QueueRole::kTasks, "t1"), 2);
  EXPECT_EQ(a_.calls(), 2);  // the redelivered task asked A again
  const auto published = broker_.published(QueueRole::kResults);
  ASSERT_EQ(published.size(), 2u);
  EXPECT_FALSE(published[0].confirm->isOk());
  EXPECT_TRUE(published[1].confirm->isOk());
}

TEST_F(WorkerPoolTest, CountsAndTimesEachCallToAByOutcome) {
  a_.setScript([](const ScriptedA::Call& call) {
    if (call.number == 1) return ScriptedA::unreachable();
    return ScriptedA::answer(200, "success");
  });
  startPool(fastOptions(1));
  sendTask(storedTask("t1"));

  ASSERT_TRUE(waitForSettlements("t1"));
  for (const char* outcome : {"failed", "answered"}) {
    EXPECT_EQ(testing::counterValue(metrics_, "cpe_worker_calls_total", {{"outcome", outcome}}), 1)
        << outcome;
    EXPECT_EQ(
        testing::histogramCount(metrics_, "cpe_a_call_duration_seconds", {{"outcome", outcome}}),
        1u)
        << outcome;
  }
  EXPECT_EQ(
      testing::counterValue(metrics_, "cpe_worker_tasks_finished_total", {{"status", "completed"}}),
      1);
}

TEST_F(WorkerPoolTest, FailsTheTaskWith500OnceTheRetryBudgetIsSpent) {
  a_.setScript([](const ScriptedA::Call&) { return ScriptedA::unreachable(); });
  WorkerOptions options = fastOptions();
  options.retry.budget = milliseconds(300);
  startPool(options);
  sendTask(storedTask("t1"));

  ASSERT_TRUE(waitForSettlements("t1"));
  EXPECT_EQ(settlementsOf("t1"), std::vector<Settlement>{Settlement::kAck});
  const auto result = resultFor("t1");
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status, TaskStatus::kFailed);
  EXPECT_EQ(result->code, 500);
  EXPECT_EQ(result->message, answers::kProvisioningFailed);
  EXPECT_GE(result->attempts, 2);  // it did retry within the budget
  EXPECT_EQ(result->attempts, a_.calls());
}

TEST_F(WorkerPoolTest, AnOpenBreakerBoundsTheCallsMadeWhileAIsDown) {
  constexpr int kThreads = 4;
  constexpr int kThreshold = 2;
  constexpr int kTasks = 12;
  a_.setScript([](const ScriptedA::Call&) { return ScriptedA::unreachable(); });
  WorkerOptions options = fastOptions(kThreads);
  options.breaker.failureThreshold = kThreshold;
  // Open for longer than a task may wait: once it opens, every task still
  // waiting ends at once instead of calling a down A again.
  options.breaker.openFor = std::chrono::hours(1);
  options.retry.budget = std::chrono::minutes(10);
  startPool(options);
  for (int i = 0; i < kTasks; ++i) sendTask(storedTask("t" + std::to_string(i)));

  ASSERT_TRUE(waitFor([&] {
    for (int i = 0; i < kTasks; ++i) {
      if (settlementsOf("t" + std::to_string(i)).empty()) return false;
    }
    return true;
  }));
  // The threshold's failures open it; only calls already under way when it
  // opened (one per other thread at most) may follow.
  EXPECT_GE(a_.calls(), kThreshold);
  EXPECT_LE(a_.calls(), kThreshold + kThreads - 1);
  EXPECT_TRUE(pool_->breakerOpen());
  int attempts = 0;
  int neverCalled = 0;
  for (int i = 0; i < kTasks; ++i) {
    const std::string id = "t" + std::to_string(i);
    EXPECT_EQ(settlementsOf(id), std::vector<Settlement>{Settlement::kAck});
    const auto result = resultFor(id);
    ASSERT_TRUE(result.has_value()) << id;
    EXPECT_EQ(result->code, 500);
    attempts += result->attempts;
    neverCalled += result->attempts == 0 ? 1 : 0;
  }
  EXPECT_EQ(attempts, a_.calls());
  EXPECT_GE(neverCalled, kTasks - (kThreshold + kThreads - 1));
}

TEST_F(WorkerPoolTest, WhileTheBreakerIsOpenTheOtherThreadsWaitAndFinishOnceAProbeSucceeds) {
  constexpr int kThreads = 4;
  WorkerOptions options = fastOptions(kThreads);
  // One failure opens it, so no thread can slip in a call between the
  // failures and the opening.
  options.breaker.failureThreshold = 1;
  options.breaker.openFor = milliseconds(50);
  startPool(options);
  // Every thread is inside A when A fails them all: no call was allowed
  // before the breaker opened that could still come after.
  a_.closeGate();
  for (int i = 0; i < kThreads; ++i) sendTask(storedTask("t" + std::to_string(i)));
  ASSERT_TRUE(waitFor([&] { return a_.callsInProgress() == kThreads; }));
  std::atomic<bool> probeSawOpenBreaker{false};
  a_.setScript([&](const ScriptedA::Call& call) {
    if (call.number <= kThreads) return ScriptedA::unreachable();
    if (call.number == kThreads + 1) probeSawOpenBreaker = pool_->breakerOpen();
    return ScriptedA::answer(200, "success");  // A is back
  });
  a_.openGate();

  ASSERT_TRUE(waitFor([&] {
    for (int i = 0; i < kThreads; ++i) {
      if (settlementsOf("t" + std::to_string(i)).empty()) return false;
    }
    return true;
  }));
  EXPECT_TRUE(probeSawOpenBreaker);  // the first call after the failures was a probe
  for (int i = 0; i < kThreads; ++i) {
    const auto result = resultFor("t" + std::to_string(i));
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(result->code, 200);  // waited for the breaker rather than giving up
    EXPECT_EQ(result->attempts, 2);
  }
  EXPECT_EQ(a_.calls(), 2 * kThreads);
  EXPECT_FALSE(pool_->breakerOpen());
}

TEST_F(WorkerPoolTest, TheHoldBoundEndsATaskWith500WhenCallsKeepFailing) {
  a_.setScript([](const ScriptedA::Call&) { return ScriptedA::unreachable(); });
  WorkerOptions options = fastOptions();
  options.maxHold = std::chrono::seconds(2);  // the budget (a minute) is not what ends it
  options.retry.initialBackoff = milliseconds(5);
  options.retry.maxBackoff = milliseconds(20);
  startPool(options);
  sendTask(storedTask("t1"));

  ASSERT_TRUE(waitForSettlements("t1"));
  EXPECT_EQ(settlementsOf("t1"), std::vector<Settlement>{Settlement::kAck});
  const auto result = resultFor("t1");
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->code, 500);
  EXPECT_EQ(result->message, answers::kProvisioningFailed);
  EXPECT_GE(result->attempts, 1);
  // Each call's timeout is cut to the hold left, never the full callTimeout,
  // and no call starts with less than a second of it left.
  for (const auto& call : a_.callLog()) {
    EXPECT_LE(call.timeout, milliseconds(2000));
    EXPECT_GE(call.timeout, milliseconds(1000));
  }
}

TEST_F(WorkerPoolTest, StopAbortsACallBlockedInsideAAndRequeuesItsTask) {
  startPool(fastOptions());
  a_.closeGate();
  sendTask(storedTask("t1"));
  ASSERT_TRUE(waitFor([&] { return a_.callsInProgress() == 1; }));

  auto stopping = std::async(std::launch::async, [&] { pool_->stop(milliseconds(20)); });
  const bool stopped = stopping.wait_for(cpe::test::kWaitDeadline) == std::future_status::ready;
  a_.openGate();  // frees a call left hanging, so a failure here still ends
  ASSERT_TRUE(stopped) << "stop() left the call to A running";
  EXPECT_EQ(a_.callsCutShort(), 1);
  // Requeued, and requeued again if the broker handed it straight back
  // during stop(); never acknowledged.
  const auto settled = settlementsOf("t1");
  ASSERT_FALSE(settled.empty());
  for (Settlement how : settled) EXPECT_EQ(how, Settlement::kRequeue);
  EXPECT_TRUE(broker_.published(QueueRole::kResults).empty());
  EXPECT_EQ(pool_->tasksInFlight(), 0);
}

TEST_F(WorkerPoolTest, StopLetsATaskInFlightFinishWithinTheGrace) {
  startPool(fastOptions());
  a_.closeGate();
  sendTask(storedTask("t1"));
  ASSERT_TRUE(waitFor([&] { return a_.callsInProgress() == 1; }));

  auto stopping = std::async(std::launch::async, [&] { pool_->stop(std::chrono::seconds(60)); });
  // Still waiting for the task. (Only a broken stop() returns here.)
  EXPECT_EQ(stopping.wait_for(milliseconds(100)), std::future_status::timeout);
  a_.openGate();  // A answers
  ASSERT_EQ(stopping.wait_for(cpe::test::kWaitDeadline), std::future_status::ready);
  EXPECT_EQ(a_.callsCutShort(), 0);
  EXPECT_EQ(settlementsOf("t1"), std::vector<Settlement>{Settlement::kAck});
  const auto result = resultFor("t1");
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->code, 200);
}

TEST_F(WorkerPoolTest, ATaskTakenAsStopAbortsTheCallersIsHandedBackWithoutCallingA) {
  // The store look-up just before the first call is where the worker is
  // held until stop() has aborted every caller: a call begun after that
  // would not be cut short, and stop() would wait for A.
  std::atomic<bool> lookingUp{false};
  store_.setHook([&](cpe::test::StoreMethod method) {
    if (method != cpe::test::StoreMethod::kGet) return;
    lookingUp = true;
    waitFor([&] { return a_.aborts() >= 1; });
  });
  startPool(fastOptions(1));
  a_.closeGate();  // a call to A would hang until aborted
  sendTask(storedTask("t1"));
  ASSERT_TRUE(waitFor([&] { return lookingUp.load(); }));

  auto stopping = std::async(std::launch::async, [&] { pool_->stop(milliseconds(0)); });
  const bool stopped = stopping.wait_for(cpe::test::kWaitDeadline) == std::future_status::ready;
  a_.openGate();  // frees a hung call, so a failure here still ends
  ASSERT_TRUE(stopped) << "stop() waited for a call begun after the abort";
  EXPECT_EQ(a_.calls(), 0);
  const auto settled = settlementsOf("t1");
  ASSERT_FALSE(settled.empty());
  for (Settlement how : settled) EXPECT_EQ(how, Settlement::kRequeue);
  store_.setHook({});
}

TEST_F(WorkerPoolTest, ARedeliveredTaskAlreadyTerminalInTheStoreIsAckedWithoutCallingA) {
  startPool(fastOptions());
  const Task task = storedTask("t1");
  TaskResult done;
  done.taskId = "t1";
  done.status = TaskStatus::kCompleted;
  done.code = 200;
  ASSERT_TRUE(store_.inner().complete(done).isOk());
  sendTask(task, /*redelivered=*/true);

  ASSERT_TRUE(waitForSettlements("t1"));
  EXPECT_EQ(settlementsOf("t1"), std::vector<Settlement>{Settlement::kAck});
  EXPECT_EQ(a_.calls(), 0);
  EXPECT_TRUE(broker_.published(QueueRole::kResults).empty());
}

TEST_F(WorkerPoolTest, APoisonTaskMessageIsDeadLettered) {
  startPool(fastOptions());
  broker_.inject(QueueRole::kTasks, "poison-1", R"({"version":1,"taskId":)");

  ASSERT_TRUE(waitForSettlements("poison-1"));
  EXPECT_EQ(settlementsOf("poison-1"), std::vector<Settlement>{Settlement::kDeadLetter});
  ASSERT_EQ(broker_.deadLetters(QueueRole::kTasks).size(), 1u);
  EXPECT_EQ(broker_.deadLetters(QueueRole::kTasks)[0].messageId, "poison-1");
  EXPECT_EQ(
      testing::counterValue(metrics_, "cpe_messages_dead_lettered_total", {{"queue", "tasks"}}), 1);
  EXPECT_EQ(a_.calls(), 0);
}

}  // namespace
}  // namespace cpe::host
