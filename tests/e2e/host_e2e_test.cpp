// Service B end to end: real cpe-stub-a, cpe-host and RabbitMQ processes on
// loopback, run once per store plugin. Each test has queues of its own.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <future>
#include <regex>
#include <set>
#include <thread>

#include "https_client.h"
#include "password_leaks.h"
#include "running_services.h"

namespace cpe::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::regex kUuid4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");

std::string validBody() {
  return std::string(R"({"timeoutInSeconds":14,"parameters":{"username":"admin","password":")") +
         kSuiteDevicePassword + R"(","vlan":534,"interfaces":[1,2,3,4]}})";
}

std::string taskPath(const std::string& device, const std::string& taskId) {
  return "/api/v1/equipment/cpe/" + device + "/task/" + taskId;
}

class HostEndToEnd : public ::testing::TestWithParam<Backends> {
 protected:
  void TearDown() override {
    host_.reset();
    stub_.reset();
    deleteQueues(queues_);
  }

  // Starts the stub (delay in seconds) and a host with the store under test.
  void startSystem(double stubDelay, std::vector<std::string> defines = {}) {
    if (GetParam().broker == "proton") declareQueues(queues_);
    stub_ = std::make_unique<RunningStub>(stubDelay);
    dir_ = freshDir("host");
    startHost(std::move(defines));
  }

  void startHost(std::vector<std::string> defines) {
    host_ = std::make_unique<RunningHost>(dir_, *stub_, withBackends(std::move(defines)));
  }

  std::vector<std::string> withBackends(std::vector<std::string> defines) const {
    auto backends = backendDefines(GetParam(), queues_, dir_);
    backends.insert(backends.end(), defines.begin(), defines.end());
    return backends;
  }

  // Posts a valid request; returns the task id (empty on failure).
  std::string post(const std::string& device) {
    const HttpResult result = host_->api().post("/api/v1/equipment/cpe/" + device, validBody());
    EXPECT_EQ(result.status, 200) << result.body;
    if (result.status != 200) return "";
    EXPECT_EQ(result.json()->getValue<int>("code"), 200);
    return result.json()->getValue<std::string>("taskId");
  }

  // Polls the task until it is no longer running; returns the last answer.
  HttpResult awaitTerminal(const std::string& device, const std::string& taskId,
                           std::chrono::seconds limit = 60s) {
    const auto deadline = Clock::now() + limit;
    HttpResult result;
    while (Clock::now() < deadline) {
      result = host_->api().get(taskPath(device, taskId));
      if (result.status != 202) return result;
      std::this_thread::sleep_for(100ms);
    }
    return result;
  }

  void expectNoPasswordInLogs() {
    EXPECT_EQ(host_->log().find(kSuiteDevicePassword), std::string::npos) << "password in host log";
    EXPECT_EQ(stub_->process().log().find(kSuiteDevicePassword), std::string::npos)
        << "password in stub log";
  }

  QueueNames queues_ = QueueNames::unique();
  std::string dir_;
  std::unique_ptr<RunningStub> stub_;
  std::unique_ptr<RunningHost> host_;
};

TEST_P(HostEndToEnd, PostAnswersAtOnceWithAUuidWhileATaskIsStillRunning) {
  startSystem(30.0);  // A holds each call for 30 s
  const std::string taskId = post("ABC123");
  EXPECT_TRUE(std::regex_match(taskId, kUuid4)) << taskId;
  // Had the POST waited for A, the task would be finished by now.
  const HttpResult status = host_->api().get(taskPath("ABC123", taskId));
  EXPECT_EQ(status.status, 202);
  EXPECT_EQ(status.json()->getValue<int>("code"), 204);
  EXPECT_EQ(status.json()->getValue<std::string>("message"), "Task is still running");
  EXPECT_TRUE(stub_->awaitHeld(1, 30s)) << "the worker never called A";
}

TEST_P(HostEndToEnd, TaskRunsThenCompletes) {
  startSystem(3.0);  // long enough that a stalled GET still finds the task running
  const std::string taskId = post("ABC123");
  EXPECT_EQ(host_->api().get(taskPath("ABC123", taskId)).status, 202);
  const HttpResult done = awaitTerminal("ABC123", taskId);
  EXPECT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.body, R"({"code":200,"message":"Completed"})");
  expectNoPasswordInLogs();
}

TEST_P(HostEndToEnd, UnknownDeviceEndsEquipmentNotFound) {
  startSystem(0.2);
  const std::string taskId = post("UNKNOWN777");
  const HttpResult done = awaitTerminal("UNKNOWN777", taskId);
  EXPECT_EQ(done.status, 404);
  EXPECT_EQ(done.body, R"({"code":404,"message":"The requested equipment is not found"})");
}

TEST_P(HostEndToEnd, FailingDeviceEndsInternalProvisioningException) {
  startSystem(0.2);
  const std::string taskId = post(kFailingDevice);
  const HttpResult done = awaitTerminal(kFailingDevice, taskId);
  EXPECT_EQ(done.status, 500);
  EXPECT_EQ(done.body, R"({"code":500,"message":"Internal provisioning exception"})");
}

TEST_P(HostEndToEnd, UnknownTaskAndAnotherDevicesTaskAreNotFound) {
  startSystem(0.2);
  const std::string taskId = post("ABC123");
  const std::string notFound = R"({"code":404,"message":"The requested task is not found"})";
  HttpResult result = host_->api().get(taskPath("ABC123", "00000000-0000-4000-8000-000000000000"));
  EXPECT_EQ(result.status, 404);
  EXPECT_EQ(result.body, notFound);
  result = host_->api().get(taskPath("GOOD01", taskId));
  EXPECT_EQ(result.status, 404);
  EXPECT_EQ(result.body, notFound);
  result = host_->api().get(taskPath("AB-1", taskId));
  EXPECT_EQ(result.status, 404);
  EXPECT_EQ(result.body, R"({"code":404,"message":"The requested equipment is not found"})");
  // Ids of another form name no task: never a store error (a NUL byte made
  // PostgreSQL answer 503), nor the id's bytes in a log line.
  for (const char* odd :
       {"%00", "not-a-task", "%0Alog-forgery", "00000000-0000-4000-8000-00000000000G"}) {
    result = host_->api().get(taskPath("ABC123", odd));
    EXPECT_EQ(result.status, 404) << odd;
    EXPECT_EQ(result.body, notFound) << odd;
  }
  EXPECT_EQ(host_->log().find("log-forgery"), std::string::npos) << host_->log();
}

TEST_P(HostEndToEnd, BadRequestsAreRefusedAsTheContractSays) {
  startSystem(0.2);
  const auto& api = host_->api();
  HttpResult result =
      api.post("/api/v1/equipment/cpe/ABC123",
               std::string(R"({"timeoutInSeconds":14,"parameters":{"username":"u",)") +
                   R"("password":")" + kSuiteDevicePassword + R"(","interfaces":[1,1]}})");
  EXPECT_EQ(result.status, 400);
  EXPECT_EQ(result.json()->getValue<std::string>("message"),
            "parameters.interfaces must be a non-empty array of distinct integers >= 1");
  result = api.post("/api/v1/equipment/cpe/ABC123", "{");
  EXPECT_EQ(result.status, 400);
  result = api.post("/api/v1/equipment/cpe/ABC", validBody());
  EXPECT_EQ(result.status, 404);
  EXPECT_EQ(result.json()->getValue<std::string>("message"),
            "The requested equipment is not found");
  result = api.post("/api/v1/equipment/cpe/ABC123", std::string(70000, ' '));
  EXPECT_EQ(result.status, 413);
  result = api.request("DELETE", "/api/v1/equipment/cpe/ABC123");
  EXPECT_EQ(result.status, 405);
  EXPECT_EQ(result.headers.at("Allow"), "POST");
  result = api.post(taskPath("ABC123", "x"), validBody());
  EXPECT_EQ(result.status, 405);
  EXPECT_EQ(result.headers.at("Allow"), "GET");
  result = api.get("/nothing/here");
  EXPECT_EQ(result.status, 404);
  EXPECT_EQ(result.body, R"({"code":404,"message":"Not found"})");
  EXPECT_EQ(api.get("/healthz").status, 200);
  // Bad requests never touch the broker, so the host may still be connecting
  // to it: ready once it has, not necessarily by now.
  EXPECT_TRUE(host_->awaitReady()) << host_->log();
}

TEST_P(HostEndToEnd, ThreeHundredConcurrentTasksAllFinish) {
  constexpr int kTasks = 300;
  constexpr int kClients = 16;
  startSystem(0.3, {"worker.threads=32"});
  std::vector<std::future<std::vector<std::pair<std::string, std::string>>>> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.push_back(std::async(std::launch::async, [this, c] {
      std::vector<std::pair<std::string, std::string>> posted;
      for (int i = c; i < kTasks; i += kClients) {
        const std::string device = "DEV" + std::to_string(100000 + i);
        const auto result = host_->api().post("/api/v1/equipment/cpe/" + device, validBody());
        if (result.status == 200)
          posted.emplace_back(device, result.json()->getValue<std::string>("taskId"));
      }
      return posted;
    }));
  }
  std::vector<std::pair<std::string, std::string>> tasks;
  for (auto& client : clients) {
    auto posted = client.get();
    tasks.insert(tasks.end(), posted.begin(), posted.end());
  }
  ASSERT_EQ(tasks.size(), static_cast<std::size_t>(kTasks));
  int completed = 0;
  for (const auto& [device, taskId] : tasks) {
    if (awaitTerminal(device, taskId, 120s).status == 200) ++completed;
  }
  EXPECT_EQ(completed, kTasks);
}

TEST_P(HostEndToEnd, WorkersCallAInParallelUpToTheirThreadCount) {
  constexpr int kWorkers = 6;
  constexpr int kTasks = 12;
  // A holds each call far longer than the POSTs of the first kWorkers tasks
  // take, however slow the machine: else the first call ends before the
  // last thread's begins, and the peak falls short of kWorkers.
  startSystem(6.0, {"worker.threads=" + std::to_string(kWorkers)});
  std::vector<std::string> tasks;
  for (int i = 0; i < kTasks; ++i) tasks.push_back(post("DEV" + std::to_string(100000 + i)));
  for (int i = 0; i < kTasks; ++i) {
    EXPECT_EQ(awaitTerminal("DEV" + std::to_string(100000 + i), tasks[i]).status, 200);
  }
  // The stub's own peak: every worker thread held a call at once, never more.
  EXPECT_EQ(stub_->stats()->getValue<int>("maxHeld"), kWorkers);
}

TEST_P(HostEndToEnd, StatusLinePolicyBare204AnswersRunningWithoutBody) {
  startSystem(30.0, {"api.statusLinePolicy=bare204"});
  const std::string taskId = post("ABC123");
  const HttpResult running = host_->api().get(taskPath("ABC123", taskId));
  EXPECT_EQ(running.status, 204);
  EXPECT_TRUE(running.body.empty());
}

TEST_P(HostEndToEnd, StatusLinePolicyEnvelopeAnswers200WithTheCodeInTheBody) {
  startSystem(30.0, {"api.statusLinePolicy=envelope"});
  const std::string taskId = post("ABC123");
  HttpResult result = host_->api().get(taskPath("ABC123", taskId));
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, R"({"code":204,"message":"Task is still running"})");
  result = host_->api().get(taskPath("ABC123", "unknown"));
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.json()->getValue<int>("code"), 404);
}

TEST_P(HostEndToEnd, QueuedTasksFinishAfterTheHostRestarts) {
  if (GetParam().store == "memory") GTEST_SKIP() << "the memory store forgets tasks on restart";
  constexpr int kTasks = 20;
  startSystem(1.0, {"worker.threads=4"});
  std::vector<std::string> tasks;
  for (int i = 0; i < kTasks; ++i) tasks.push_back(post("DEV" + std::to_string(100000 + i)));
  ASSERT_TRUE(stub_->awaitHeld(4, 30s));
  EXPECT_EQ(host_->process().stop(SIGTERM), 0) << host_->log();
  startHost({"worker.threads=4"});
  for (int i = 0; i < kTasks; ++i) {
    EXPECT_EQ(awaitTerminal("DEV" + std::to_string(100000 + i), tasks[i], 120s).status, 200)
        << "task " << i;
  }
}

TEST_P(HostEndToEnd, TasksPostedWhileTheBrokerIsDownFinishWhenItReturns) {
  constexpr int kTasks = 10;
  startSystem(0.2);
  ASSERT_EQ(post("ABC123").empty(), false);  // the broker path works before the outage
  stopRabbitMq();
  std::vector<std::string> tasks;
  for (int i = 0; i < kTasks; ++i) tasks.push_back(post("DEV" + std::to_string(100000 + i)));
  HttpResult notReady = host_->api().get("/readyz");
  const auto noticed = Clock::now() + 30s;
  while (notReady.status == 200 && Clock::now() < noticed) {
    std::this_thread::sleep_for(50ms);
    notReady = host_->api().get("/readyz");
  }
  EXPECT_EQ(notReady.status, 503);
  EXPECT_NE(notReady.body.find("broker"), std::string::npos) << notReady.body;
  startRabbitMq();
  for (int i = 0; i < kTasks; ++i) {
    EXPECT_EQ(awaitTerminal("DEV" + std::to_string(100000 + i), tasks[i], 120s).status, 200)
        << "task " << i;
  }
  EXPECT_EQ(host_->api().get("/readyz").status, 200);
}

TEST_P(HostEndToEnd, RolesRunInSeparateProcesses) {
  if (GetParam().store == "memory") GTEST_SKIP() << "one store per process: shown with SQLite";
  startSystem(0.5, {"host.roles=api,results"});
  const std::string workerDir = freshDir("worker");
  RunningHost worker(workerDir, *stub_, withBackends({"host.roles=worker", "worker.threads=3"}));
  const std::string taskId = post("ABC123");
  EXPECT_EQ(awaitTerminal("ABC123", taskId).status, 200);
  EXPECT_NE(worker.log().find(taskId), std::string::npos) << "the worker host did not do the task";
  EXPECT_EQ(worker.process().stop(SIGTERM), 0) << worker.log();
}

TEST_P(HostEndToEnd, PoisonMessagesAreDeadLetteredAndWorkGoesOn) {
  startSystem(0.2);
  ASSERT_TRUE(host_->awaitReady()) << host_->log();  // its queues exist: nothing published is lost
  publishRaw(queues_.tasks, "this is not a task");
  publishRaw(queues_.results, R"({"version":1,"taskId":"x"})");
  publishRaw(
      queues_.results,
      R"({"version":1,"taskId":"00000000-0000-4000-8000-000000000000","equipmentId":"ABC123",)"
      R"("status":"completed","code":200,"message":"success","attempts":1,)"
      R"("finishedAt":"2026-11-28T22:10:00.000Z"})");  // a task nobody has
  const std::string taskId = post("GOOD01");
  EXPECT_EQ(awaitTerminal("GOOD01", taskId).status, 200);
  std::vector<std::string> dead;
  const auto deadline = Clock::now() + 30s;
  while (dead.size() < 3 && Clock::now() < deadline) {
    const auto more = drainQueue(queues_.dead);
    dead.insert(dead.end(), more.begin(), more.end());
    if (dead.size() < 3) std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(dead.size(), 3u) << host_->log();
  EXPECT_NE(std::find(dead.begin(), dead.end(), "this is not a task"), dead.end());
  EXPECT_NE(host_->log().find("dead-lettering"), std::string::npos);
}

TEST_P(HostEndToEnd, ARepeatedIdempotencyKeyReturnsTheFirstTaskAndCreatesNothing) {
  // One worker thread takes the tasks in the order they were queued: the
  // marker task below comes after anything the repeat could have created.
  startSystem(0.2, {"worker.threads=1"});
  auto postWithKey = [&](const std::string& device, const std::string& key) {
    return host_->api().request("POST", "/api/v1/equipment/cpe/" + device, validBody(),
                                {{"Idempotency-Key", key}});
  };
  const HttpResult first = postWithKey("ABC123", "retry-me-1");
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string taskId = first.json()->getValue<std::string>("taskId");
  EXPECT_EQ(first.headers.count("Idempotent-Replayed"), 0u);

  const HttpResult repeat = postWithKey("ABC123", "retry-me-1");
  ASSERT_EQ(repeat.status, 200) << repeat.body;
  EXPECT_EQ(repeat.json()->getValue<std::string>("taskId"), taskId);
  EXPECT_EQ(repeat.headers.at("Idempotent-Replayed"), "true");

  const HttpResult otherDevice = postWithKey("GOOD01", "retry-me-1");
  ASSERT_EQ(otherDevice.status, 200);
  EXPECT_NE(otherDevice.json()->getValue<std::string>("taskId"), taskId);
  EXPECT_NE(post("ABC123"), taskId) << "without a key every POST is a new task";

  const HttpResult badKey = postWithKey("ABC123", std::string(256, 'k'));
  EXPECT_EQ(badKey.status, 400);
  EXPECT_NE(badKey.body.find("Idempotency-Key"), std::string::npos) << badKey.body;

  EXPECT_EQ(awaitTerminal("ABC123", taskId).status, 200);
  // A was asked once for the keyed task, once for the keyless one and once
  // for the other device, then for the marker: the repeat created no work.
  const std::string marker = post("GOOD01");
  EXPECT_EQ(awaitTerminal("GOOD01", marker).status, 200);
  EXPECT_EQ(stub_->stats()->getValue<int>("received"), 4);
}

TEST_P(HostEndToEnd, TasksQueuedPastTheStuckAgeAreCountedAndLogged) {
  startSystem(30.0, {"host.stuckTaskAgeSeconds=1", "host.stuckTaskCheckSeconds=1"});
  const std::string taskId = post("ABC123");  // held by A for 30 s
  const auto deadline = Clock::now() + 30s;
  while (host_->log().find("queued for longer than 1 s") == std::string::npos &&
         Clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
  }
  const std::string log = host_->log();
  EXPECT_NE(log.find("1 task(s) queued for longer than 1 s; oldest: " + taskId), std::string::npos)
      << log;
  const std::string metrics = host_->api().get("/metrics").body;
  EXPECT_NE(metrics.find("\ncpe_tasks_stuck 1\n"), std::string::npos) << metrics;
}

TEST_P(HostEndToEnd, ADuplicateOfAFinishedTaskDoesNotCallAAgain) {
  startSystem(0.2);
  const std::string taskId = post("ABC123");
  ASSERT_EQ(awaitTerminal("ABC123", taskId).status, 200);
  const int callsBefore = stub_->stats()->getValue<int>("received");
  // A version 1 message carries its parameters in the clear (in the broker
  // only: the leak check looks for its password everywhere else).
  publishRaw(queues_.tasks,
             R"({"version":1,"taskId":")" + taskId +
                 R"(","equipmentId":"ABC123","timeoutInSeconds":14,"parameters":{"username":"u",)"
                 R"("password":")" +
                 kClearMessagePassword +
                 R"(","interfaces":[1]},"createdAt":"2026-11-28T22:10:00.000Z"})");
  const auto deadline = Clock::now() + 30s;
  while (host_->log().find("already terminal; acknowledged") == std::string::npos &&
         Clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(host_->log().find("already terminal; acknowledged"), std::string::npos);
  EXPECT_EQ(stub_->stats()->getValue<int>("received"), callsBefore);
  EXPECT_EQ(host_->api().get(taskPath("ABC123", taskId)).status, 200);
}

TEST_P(HostEndToEnd, PostgresOutageAnswers503WithRetryAfterAndRecovers) {
  if (GetParam().store != "postgres") GTEST_SKIP() << "a PostgreSQL outage";
  startSystem(0.2);
  const std::string before = post("ABC123");
  ASSERT_EQ(std::system("pg_ctlcluster 15 main stop -m fast"), 0);
  const HttpResult refused = host_->api().post("/api/v1/equipment/cpe/GOOD01", validBody());
  const HttpResult unready = host_->api().get("/readyz");
  const HttpResult status = host_->api().get("/api/v1/equipment/cpe/ABC123/task/" + before);
  const HttpResult history = host_->api().get("/api/v1/equipment/cpe/ABC123/tasks");
  ASSERT_EQ(std::system("pg_ctlcluster 15 main start"), 0);
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.body, R"({"code":503,"message":"Service temporarily unavailable"})");
  EXPECT_EQ(refused.headers.count("Retry-After"), 1u);
  EXPECT_EQ(unready.status, 503);
  EXPECT_NE(unready.body.find("store"), std::string::npos) << unready.body;
  for (const HttpResult* read : {&status, &history}) {
    EXPECT_EQ(read->status, 503) << read->body;
    EXPECT_EQ(read->body, R"({"code":503,"message":"Service temporarily unavailable"})");
    EXPECT_EQ(read->headers.count("Retry-After"), 1u);
  }
  // The pool reconnects by itself: new tasks are accepted and all finish.
  std::string after;
  const auto deadline = Clock::now() + 60s;
  while (after.empty() && Clock::now() < deadline) {
    const HttpResult result = host_->api().post("/api/v1/equipment/cpe/GOOD01", validBody());
    if (result.status == 200) {
      after = result.json()->getValue<std::string>("taskId");
    } else {
      std::this_thread::sleep_for(200ms);
    }
  }
  ASSERT_FALSE(after.empty()) << "the API never recovered";
  EXPECT_EQ(awaitTerminal("ABC123", before).status, 200);
  EXPECT_EQ(awaitTerminal("GOOD01", after).status, 200);
}

TEST_P(HostEndToEnd, AUnreachableBeyondTheRetryBudgetEndsInternalProvisioningException) {
  // Port 1 on loopback refuses connections: every call to A fails at once.
  startSystem(0.2, {"worker.serviceUrl=https://127.0.0.1:1", "worker.retryBudgetSeconds=2"});
  const std::string taskId = post("ABC123");
  const HttpResult done = awaitTerminal("ABC123", taskId);
  EXPECT_EQ(done.status, 500);
  EXPECT_EQ(done.body, R"({"code":500,"message":"Internal provisioning exception"})");
  EXPECT_NE(host_->log().find("giving up after"), std::string::npos) << host_->log();
  EXPECT_NE(host_->log().find("retrying in"), std::string::npos) << "no retry was made";
}

INSTANTIATE_TEST_SUITE_P(
    Pairings, HostEndToEnd,
    ::testing::Values(Backends{"memory", "rabbitmq"}, Backends{"sqlite", "rabbitmq"},
                      Backends{"postgres", "rabbitmq"}, Backends{"memory", "proton"},
                      Backends{"sqlite", "proton"}, Backends{"postgres", "proton"}),
    [](const auto& param) { return param.param.name(); });

}  // namespace
}  // namespace cpe::testing
