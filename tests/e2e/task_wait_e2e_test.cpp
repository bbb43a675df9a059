// GET …/task/{task}?waitSeconds=N on real cpe-host, cpe-stub-a and RabbitMQ
// processes: the answer comes as soon as the task is terminal (its result
// applied in this host or by another), or after N seconds; the same answers
// as without the parameter under every status-line policy; a cap on waiting
// requests; SIGTERM ends every wait at once. Each test has queues of its own.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "https_client.h"
#include "password_leaks.h"
#include "running_services.h"

namespace cpe::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kDevice = "ABC123";
constexpr const char* kCompleted = R"({"code":200,"message":"Completed"})";
constexpr const char* kStillRunning = R"({"code":204,"message":"Task is still running"})";
constexpr const char* kWaitSecondsRange = "waitSeconds must be an integer from 1 to 60";
// A port nothing answers on: hosts here that run no worker never call A.
constexpr std::uint16_t kNoStubPort = 1;

std::string validBody() {
  return std::string(R"({"timeoutInSeconds":14,"parameters":{"username":"admin","password":")") +
         kSuiteDevicePassword + R"(","interfaces":[1]}})";
}

std::string taskPath(const std::string& taskId, const std::string& query = "") {
  return std::string("/api/v1/equipment/cpe/") + kDevice + "/task/" + taskId +
         (query.empty() ? "" : "?" + query);
}

// A worker's result for `taskId`, as it would reach the results queue.
std::string completedResult(const std::string& taskId) {
  return R"({"version":1,"taskId":")" + taskId + R"(","equipmentId":")" + kDevice +
         R"(","status":"completed","code":200,"message":"success","attempts":1,)"
         R"("finishedAt":"2026-11-28T22:10:00.000Z"})";
}

// An answer and how long it took to come.
struct TimedResult {
  HttpResult result;
  Clock::duration took;
};

TimedResult timedGet(const TestClient& api, const std::string& path) {
  const auto started = Clock::now();
  HttpResult result = api.get(path);
  return {std::move(result), Clock::now() - started};
}

class TaskWaitTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (auto& host : hosts_) host.reset();
    stub_.reset();
    deleteQueues(queues_);
  }

  // A host with `defines` on the test's own queues and store. With the
  // worker role it calls `stub_`, started first.
  RunningHost& startHost(std::vector<std::string> defines,
                         const Backends& backends = {"sqlite", "rabbitmq"}) {
    if (backends.broker == "proton" && hosts_.empty()) declareQueues(queues_);
    if (dir_.empty()) dir_ = freshDir("wait");
    std::vector<std::string> all = backendDefines(backends, queues_, dir_);
    all.insert(all.end(), defines.begin(), defines.end());
    const std::string dir = freshDir("wait-host");
    const std::uint16_t stubPort = stub_ ? stub_->httpsPort() : kNoStubPort;
    hosts_.push_back(std::make_unique<RunningHost>(dir, stubPort, all));
    return *hosts_.back();
  }

  // A host that stores tasks and applies results but runs no worker: its
  // tasks stay queued until the test publishes their result.
  RunningHost& startHostWithoutWorker(std::vector<std::string> defines = {}) {
    defines.push_back("host.roles=api,results");
    RunningHost& host = startHost(std::move(defines));
    EXPECT_TRUE(host.awaitReady()) << host.log();  // the results queue exists
    return host;
  }

  std::string post(const RunningHost& host) {
    const HttpResult result =
        host.api().post(std::string("/api/v1/equipment/cpe/") + kDevice, validBody());
    EXPECT_EQ(result.status, 200) << result.body;
    return result.status == 200 ? result.json()->getValue<std::string>("taskId") : "";
  }

  QueueNames queues_ = QueueNames::unique();
  std::string dir_;  // the store's folder, shared by the hosts of a test
  std::unique_ptr<RunningStub> stub_;
  std::vector<std::unique_ptr<RunningHost>> hosts_;
};

// The result applied in the process that waits: announced, no poll needed.
class TaskWaitPairings : public TaskWaitTest, public ::testing::WithParamInterface<Backends> {};

TEST_P(TaskWaitPairings, TheTerminalAnswerArrivesBeforeTheWaitEnds) {
  stub_ = std::make_unique<RunningStub>(2.0);  // A answers after 2 s
  const RunningHost& host = startHost({}, GetParam());
  const std::string taskId = post(host);
  const TimedResult done = timedGet(host.api(), taskPath(taskId, "waitSeconds=30"));
  EXPECT_EQ(done.result.status, 200) << done.result.body;
  EXPECT_EQ(done.result.body, kCompleted);
  EXPECT_LT(done.took, 30s);
}

INSTANTIATE_TEST_SUITE_P(Pairings, TaskWaitPairings,
                         ::testing::Values(Backends{"sqlite", "rabbitmq"},
                                           Backends{"postgres", "rabbitmq"},
                                           Backends{"memory", "proton"}),
                         [](const auto& param) { return param.param.name(); });

// The result applied by another host: nothing announces it to the API host,
// whose waiting request reads the shared store at its poll interval.
TEST_F(TaskWaitTest, AResultAppliedByAnotherHostIsSeenByPolling) {
  stub_ = std::make_unique<RunningStub>(2.0);
  const Backends postgres{"postgres", "rabbitmq"};
  const RunningHost& api = startHost({"host.roles=api"}, postgres);
  startHost({"host.roles=worker,results"}, postgres);
  const std::string taskId = post(api);
  const TimedResult done = timedGet(api.api(), taskPath(taskId, "waitSeconds=30"));
  EXPECT_EQ(done.result.status, 200) << done.result.body;
  EXPECT_EQ(done.result.body, kCompleted);
  EXPECT_LT(done.took, 30s);
}

TEST_F(TaskWaitTest, ATaskThatCannotFinishIsStillRunningAfterTheWait) {
  const RunningHost& host = startHostWithoutWorker();
  const std::string taskId = post(host);
  const TimedResult running = timedGet(host.api(), taskPath(taskId, "waitSeconds=2"));
  EXPECT_EQ(running.result.status, 202);
  EXPECT_EQ(running.result.body, kStillRunning);
  EXPECT_GE(running.took, 2s) << "answered before the wait was over";
}

TEST_F(TaskWaitTest, BadWaitSecondsAre400NamingTheParameter) {
  const RunningHost& host = startHostWithoutWorker();
  const std::string taskId = post(host);
  for (const char* query : {"waitSeconds=0", "waitSeconds=61", "waitSeconds=abc", "waitSeconds=1.5",
                            "waitSeconds=", "waitSeconds=-1"}) {
    const HttpResult result = host.api().get(taskPath(taskId, query));
    EXPECT_EQ(result.status, 400) << query;
    EXPECT_EQ(result.body, std::string(R"({"code":400,"message":")") + kWaitSecondsRange + "\"}")
        << query;
  }
  const HttpResult twice = host.api().get(taskPath(taskId, "waitSeconds=1&waitSeconds=1"));
  EXPECT_EQ(twice.status, 400);
  EXPECT_EQ(twice.body, R"({"code":400,"message":"waitSeconds must be given at most once"})");
  // The device and task are still checked first, as without the parameter.
  const HttpResult badDevice =
      host.api().get("/api/v1/equipment/cpe/AB-1/task/" + taskId + "?waitSeconds=0");
  EXPECT_EQ(badDevice.status, 404);
}

TEST_F(TaskWaitTest, BeyondTheCapARequestIsAnsweredAtOnce) {
  const RunningHost& host = startHostWithoutWorker({"api.maxWaitingRequests=1"});
  const std::string taskId = post(host);
  auto waiting = std::async(std::launch::async,
                            [&] { return host.api().get(taskPath(taskId, "waitSeconds=60")); });
  ASSERT_TRUE(host.awaitMetric("cpe_api_requests_waiting", 1)) << host.log();

  const HttpResult beyond = host.api().get(taskPath(taskId, "waitSeconds=60"));
  EXPECT_EQ(beyond.status, 202);
  EXPECT_EQ(beyond.body, kStillRunning);
  EXPECT_NE(waiting.wait_for(0s), std::future_status::ready)
      << "the second request was answered only after the first stopped waiting";

  publishRaw(queues_.results, completedResult(taskId));
  ASSERT_EQ(waiting.wait_for(60s), std::future_status::ready);
  const HttpResult done = waiting.get();
  EXPECT_EQ(done.status, 200);
  EXPECT_EQ(done.body, kCompleted);
  EXPECT_TRUE(host.awaitMetric("cpe_api_requests_waiting", 0));
}

TEST_F(TaskWaitTest, SigtermEndsAWaitingRequestAndTheHostExitsWithinItsGrace) {
  constexpr auto kGrace = 20s;
  RunningHost& host =
      startHostWithoutWorker({"host.shutdownGraceSeconds=" + std::to_string(kGrace.count())});
  const std::string taskId = post(host);
  auto waiting = std::async(
      std::launch::async, [&] { return timedGet(host.api(), taskPath(taskId, "waitSeconds=60")); });
  ASSERT_TRUE(host.awaitMetric("cpe_api_requests_waiting", 1)) << host.log();

  // Past the grace the process would be killed (exit 137), not exit 0.
  EXPECT_EQ(host.process().stop(SIGTERM, kGrace), 0) << host.log();
  ASSERT_EQ(waiting.wait_for(kGrace), std::future_status::ready);
  const TimedResult answered = waiting.get();
  EXPECT_EQ(answered.result.status, 202);
  EXPECT_EQ(answered.result.body, kStillRunning);
  EXPECT_LT(answered.took, 60s);
  EXPECT_EQ(host.log().find("still answering"), std::string::npos) << host.log();
}

// The answers with waitSeconds are today's under each status-line policy.
struct PolicyCase {
  std::string policy;
  int runningStatus;
  std::string runningBody;
  int badRequestStatus;
};
void PrintTo(const PolicyCase& policyCase, std::ostream* out) { *out << policyCase.policy; }

class TaskWaitPolicies : public TaskWaitTest, public ::testing::WithParamInterface<PolicyCase> {};

TEST_P(TaskWaitPolicies, AnswersAsWithoutTheParameter) {
  const PolicyCase& expected = GetParam();
  const RunningHost& host = startHostWithoutWorker({"api.statusLinePolicy=" + expected.policy});
  const std::string taskId = post(host);

  const HttpResult without = host.api().get(taskPath(taskId));
  const HttpResult running = host.api().get(taskPath(taskId, "waitSeconds=1"));
  EXPECT_EQ(running.status, expected.runningStatus);
  EXPECT_EQ(running.body, expected.runningBody);
  EXPECT_EQ(running.status, without.status);
  EXPECT_EQ(running.body, without.body);

  const HttpResult bad = host.api().get(taskPath(taskId, "waitSeconds=0"));
  EXPECT_EQ(bad.status, expected.badRequestStatus);
  EXPECT_EQ(bad.json()->getValue<int>("code"), 400);

  auto waiting = std::async(std::launch::async,
                            [&] { return host.api().get(taskPath(taskId, "waitSeconds=60")); });
  ASSERT_TRUE(host.awaitMetric("cpe_api_requests_waiting", 1)) << host.log();
  publishRaw(queues_.results, completedResult(taskId));
  ASSERT_EQ(waiting.wait_for(60s), std::future_status::ready);
  const HttpResult done = waiting.get();
  EXPECT_EQ(done.status, 200);
  EXPECT_EQ(done.body, kCompleted);
  EXPECT_EQ(host.api().get(taskPath(taskId)).body, kCompleted);
}

INSTANTIATE_TEST_SUITE_P(StatusLinePolicies, TaskWaitPolicies,
                         ::testing::Values(PolicyCase{"mirror", 202, kStillRunning, 400},
                                           PolicyCase{"bare204", 204, "", 400},
                                           PolicyCase{"envelope", 200, kStillRunning, 200}),
                         [](const auto& param) { return param.param.policy; });

}  // namespace
}  // namespace cpe::testing
