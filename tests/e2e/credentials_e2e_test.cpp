// Device credentials end to end (issue 11): real cpe-host processes over
// SQLite or PostgreSQL and RabbitMQ. What someone with access to the
// broker or the database sees of a task's parameters, that a worker still
// gets them to A, and that nothing of them is left once the task ends.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "https_client.h"
#include "password_leaks.h"
#include "program_run.h"
#include "running_services.h"
#include "test_paths.h"

namespace cpe::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string kBody =
    std::string(R"({"timeoutInSeconds":14,"parameters":{"username":"admin","password":")") +
    kSuiteDevicePassword + R"(","vlan":534,"interfaces":[1,2]}})";

class CredentialsEndToEnd : public ::testing::TestWithParam<Backends> {
 protected:
  void TearDown() override {
    worker_.reset();
    api_.reset();
    stub_.reset();
    deleteQueues(queues_);
  }

  std::unique_ptr<RunningHost> startHost(const std::string& roles) {
    auto defines = backendDefines(GetParam(), queues_, dataDir_);
    defines.push_back("host.roles=" + roles);
    return std::make_unique<RunningHost>(freshDir("credentials-" + roles), *stub_, defines);
  }

  // The task's answer once it is not "still running"; the last one after 30 s.
  HttpResult awaitTerminal(const std::string& path) const {
    const auto deadline = Clock::now() + 30s;
    HttpResult result = api_->api().get(path);
    while (result.status == 202 && Clock::now() < deadline) {
      std::this_thread::sleep_for(100ms);
      result = api_->api().get(path);
    }
    return result;
  }

  QueueNames queues_ = QueueNames::unique();
  std::string dataDir_ = freshDir("credentials-data");
  std::unique_ptr<RunningStub> stub_;
  std::unique_ptr<RunningHost> api_;
  std::unique_ptr<RunningHost> worker_;
};

TEST_P(CredentialsEndToEnd, TheBrokerAndTheStoreSeeNoPasswordAndNoneIsLeftOnceTheTaskEnds) {
  stub_ = std::make_unique<RunningStub>(0.2);
  // No worker yet: the task message waits in the queue, the row in the store.
  api_ = startHost("api,results");
  const HttpResult posted = api_->api().post("/api/v1/equipment/cpe/ABC123", kBody);
  ASSERT_EQ(posted.status, 200) << posted.body;
  const std::string taskId = posted.json()->getValue<std::string>("taskId");

  const auto store = openStore(GetParam(), queues_, dataDir_);
  const auto stored = store->get(taskId);
  ASSERT_TRUE(stored.isOk()) << stored.status().toString();
  EXPECT_EQ(stored.value().parametersJson.find(kSuiteDevicePassword), std::string::npos);
  EXPECT_EQ(stored.value().parametersJson.find("admin"), std::string::npos)
      << "the whole parameters object is sealed";
  EXPECT_NE(stored.value().parametersJson.front(), '{');

  std::vector<std::string> messages;
  const auto deadline = Clock::now() + 30s;
  while (messages.empty() && Clock::now() < deadline) {
    messages = drainQueue(queues_.tasks);
    if (messages.empty()) std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].find(kSuiteDevicePassword), std::string::npos) << messages[0];
  EXPECT_NE(messages[0].find(R"("version":2)"), std::string::npos) << messages[0];
  EXPECT_NE(messages[0].find(R"("sealedParameters":")"), std::string::npos) << messages[0];

  // Put back as it was, the message reaches a worker, which opens it for A.
  publishRaw(queues_.tasks, messages[0]);
  worker_ = startHost("worker");
  const HttpResult ended = awaitTerminal("/api/v1/equipment/cpe/ABC123/task/" + taskId);
  EXPECT_EQ(ended.body, R"({"code":200,"message":"Completed"})");

  const auto wiped = store->get(taskId);
  ASSERT_TRUE(wiped.isOk());
  EXPECT_EQ(wiped.value().parametersJson, "") << "nothing of the parameters is kept";
}

TEST_P(CredentialsEndToEnd, AWorkerWithoutTheKeyFailsTheTaskWithoutCallingA) {
  stub_ = std::make_unique<RunningStub>(0.2);
  api_ = startHost("api,results");
  auto defines = backendDefines(GetParam(), queues_, dataDir_);
  const std::string otherKey = freshDir("other-key") + "/credentials.key";
  std::ofstream(otherKey) << std::string(64, 'c') << "\n";
  defines.insert(defines.end(), {"host.roles=worker", "security.credentialsKeyFile=" + otherKey});
  worker_ = std::make_unique<RunningHost>(freshDir("credentials-other-worker"), *stub_, defines);

  const HttpResult posted = api_->api().post("/api/v1/equipment/cpe/ABC123", kBody);
  ASSERT_EQ(posted.status, 200) << posted.body;
  const std::string taskId = posted.json()->getValue<std::string>("taskId");
  const HttpResult ended = awaitTerminal("/api/v1/equipment/cpe/ABC123/task/" + taskId);
  EXPECT_EQ(ended.body, R"({"code":500,"message":"Internal provisioning exception"})");
  EXPECT_EQ(stub_->stats()->getValue<int>("received"), 0) << "A never saw the task";
  EXPECT_NE(worker_->log().find("failed without calling A"), std::string::npos) << worker_->log();
}

// A store an older version wrote: a queued task whose parameters it kept in
// the clear. An API host with the key seals the row as it starts, publishes
// it sealed (version 2), and a worker still completes it.
TEST_P(CredentialsEndToEnd, ATaskStoredInTheClearBeforeIsSealedAtStartAndStillCompletes) {
  stub_ = std::make_unique<RunningStub>(0.2);
  const auto store = openStore(GetParam(), queues_, dataDir_);
  Task old;
  old.id = "5f0c1a2e-3b4d-4e5f-8a6b-7c8d9e0f1a2b";
  old.equipmentId = "ABC123";
  old.timeoutInSeconds = 14;
  old.parametersJson = std::string(R"({"username":"admin","password":")") + kSuiteDevicePassword +
                       R"(","vlan":534,"interfaces":[1,2]})";
  old.createdAt = nowMillis() - 10'000;  // old enough for the relay's first sweep
  old.updatedAt = old.createdAt;
  ASSERT_TRUE(store->insert(old).isOk());

  api_ = startHost("api,results");
  const auto sealed = store->get(old.id);
  ASSERT_TRUE(sealed.isOk()) << sealed.status().toString();
  EXPECT_EQ(sealed.value().parametersJson.find(kSuiteDevicePassword), std::string::npos)
      << "sealed before the host serves";
  EXPECT_NE(sealed.value().parametersJson.front(), '{');
  EXPECT_NE(api_->log().find("sealed the parameters of 1 queued task(s) stored in the clear"),
            std::string::npos)
      << api_->log();
  EXPECT_EQ(api_->log().find(kSuiteDevicePassword), std::string::npos) << "the log shows no password";

  // PostgreSQL: the insert above claimed the row for the test's own store
  // instance, as a host's insert does, so the host's relay sweeps it once
  // that lease (30 s by default) has lapsed, as after an older host's exit.
  std::vector<std::string> messages;
  const auto deadline = Clock::now() + 60s;
  while (messages.empty() && Clock::now() < deadline) {
    messages = drainQueue(queues_.tasks);
    if (messages.empty()) std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].find(kSuiteDevicePassword), std::string::npos) << messages[0];
  EXPECT_NE(messages[0].find(R"("version":2)"), std::string::npos) << messages[0];

  publishRaw(queues_.tasks, messages[0]);
  worker_ = startHost("worker");
  const HttpResult ended = awaitTerminal("/api/v1/equipment/cpe/ABC123/task/" + old.id);
  EXPECT_EQ(ended.body, R"({"code":200,"message":"Completed"})");
  EXPECT_EQ(stub_->stats()->getValue<int>("received"), 1) << "A got the task once";
  const auto wiped = store->get(old.id);
  ASSERT_TRUE(wiped.isOk());
  EXPECT_EQ(wiped.value().parametersJson, "");
}

INSTANTIATE_TEST_SUITE_P(Stores, CredentialsEndToEnd,
                         ::testing::Values(Backends{"sqlite", "rabbitmq"},
                                           Backends{"postgres", "rabbitmq"}),
                         [](const auto& testCase) { return testCase.param.name(); });

TEST(CredentialsConfiguration, AHostWithoutAKeyDoesNotStart) {
  const std::vector<std::string> base = {
      "-Dhost.roles=worker", "-Dworker.caFile=" + certDir() + "/ca.pem"};
  const ProgramRun refused = runProgram(hostBinary(), base, {}, 60s);
  EXPECT_EQ(refused.exitCode, 78) << "EX_CONFIG\n" << refused.out << refused.err;
  EXPECT_NE((refused.out + refused.err).find("security.credentialsKeyFile is not set"),
            std::string::npos)
      << refused.out << refused.err;
}

}  // namespace
}  // namespace cpe::testing
