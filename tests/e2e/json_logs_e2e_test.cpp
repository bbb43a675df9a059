// logging.format = json end to end: a real stub and host (SQLite, RabbitMQ)
// run tasks that succeed, that A answers 404 and that fail, then every line
// both wrote is parsed with Poco::JSON, and the lines about each task must
// carry its taskId and deviceId as fields of their own.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <map>
#include <set>
#include <thread>

#include "json_log.h"
#include "password_leaks.h"
#include "running_services.h"

namespace cpe::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string validBody() {
  return std::string(R"({"timeoutInSeconds":14,"parameters":{"username":"admin","password":")") +
         kSuiteDevicePassword + R"(","vlan":534,"interfaces":[1,2]}})";
}

std::string field(const Poco::JSON::Object::Ptr& line, const std::string& name) {
  return line->optValue<std::string>(name, "");
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class JsonLogsEndToEnd : public ::testing::Test {
 protected:
  void TearDown() override {
    host_.reset();
    stub_.reset();
    deleteQueues(queues_);
  }

  void startSystem(std::vector<std::string> defines = {}) {
    stub_ = std::make_unique<RunningStub>(0.2, std::vector<std::string>{"-Dlogging.format=json"});
    const std::string dir = freshDir("json-host");
    auto all = backendDefines({"sqlite", "rabbitmq"}, queues_, dir);
    all.push_back("logging.format=json");
    all.insert(all.end(), defines.begin(), defines.end());
    host_ = std::make_unique<RunningHost>(dir, *stub_, all);
  }

  // Posts for `device` and waits until the task is terminal; returns its id.
  std::string runTask(const std::string& device, int expectedStatus) {
    const HttpResult posted = host_->api().post("/api/v1/equipment/cpe/" + device, validBody());
    EXPECT_EQ(posted.status, 200) << posted.body;
    if (posted.status != 200) return "";
    std::string taskId = posted.json()->getValue<std::string>("taskId");
    const std::string path = "/api/v1/equipment/cpe/" + device + "/task/" + taskId;
    const auto deadline = Clock::now() + 60s;
    HttpResult status = host_->api().get(path);
    while (status.status == 202 && Clock::now() < deadline) {
      std::this_thread::sleep_for(50ms);
      status = host_->api().get(path);
    }
    EXPECT_EQ(status.status, expectedStatus) << device << ": " << status.body;
    return taskId;
  }

  // Stops both services, so that their logs are complete, and parses them.
  void stopAndParseLogs() {
    ASSERT_EQ(host_->process().stop(SIGTERM), 0) << host_->log();
    ASSERT_EQ(stub_->process().stop(SIGTERM), 0) << stub_->process().log();
    const std::string hostText = host_->log();
    const std::string stubText = stub_->process().log();
    EXPECT_EQ(hostText.find(kSuiteDevicePassword), std::string::npos)
        << "the device password was logged";
    EXPECT_EQ(stubText.find(kSuiteDevicePassword), std::string::npos)
        << "the device password was logged";
    hostLog_ = parseJsonLog(hostText);
    stubLog_ = parseJsonLog(stubText);
    EXPECT_TRUE(hostLog_.problems.empty()) << ::testing::PrintToString(hostLog_.problems);
    EXPECT_TRUE(stubLog_.problems.empty()) << ::testing::PrintToString(stubLog_.problems);
    EXPECT_FALSE(hostLog_.lines.empty());
    EXPECT_FALSE(stubLog_.lines.empty());
  }

  // Every host line that names `taskId` in its text carries it and its
  // device as fields, and the worker and the result consumer each wrote one.
  void expectTaskLinesCarryIds(const std::string& taskId, const std::string& device) {
    std::map<std::string, int> linesByComponent;
    for (const auto& line : hostLog_.lines) {
      const std::string message = field(line, "message");
      if (!contains(message, taskId) && field(line, "taskId") != taskId) continue;
      EXPECT_EQ(field(line, "taskId"), taskId) << message;
      EXPECT_EQ(field(line, "deviceId"), device) << message;
      ++linesByComponent[field(line, "component")];
    }
    EXPECT_GE(linesByComponent["worker"], 1) << "no worker line about " << taskId;
    EXPECT_GE(linesByComponent["results"], 1) << "no result line about " << taskId;
  }

  // The stub knows no task ids: its line about each call names the device.
  void expectStubLineAbout(const std::string& device, int httpStatus) {
    int found = 0;
    for (const auto& line : stubLog_.lines) {
      if (field(line, "deviceId") != device) continue;
      ++found;
      EXPECT_EQ(field(line, "component"), "stub");
      EXPECT_FALSE(line->has("taskId"));
      EXPECT_TRUE(contains(field(line, "message"), "-> " + std::to_string(httpStatus)))
          << field(line, "message");
    }
    EXPECT_EQ(found, 1) << "stub lines about " << device;
  }

  QueueNames queues_ = QueueNames::unique();
  std::unique_ptr<RunningStub> stub_;
  std::unique_ptr<RunningHost> host_;
  JsonLog hostLog_;
  JsonLog stubLog_;
};

TEST_F(JsonLogsEndToEnd, EveryLineIsAJsonObjectAndTaskLinesCarryTaskAndDeviceIds) {
  startSystem();
  const std::map<std::string, std::string> tasks{
      {"ABC123", runTask("ABC123", 200)},
      {"UNKNOWN777", runTask("UNKNOWN777", 404)},
      {kFailingDevice, runTask(kFailingDevice, 500)},
  };
  stopAndParseLogs();
  for (const auto& [device, taskId] : tasks) {
    ASSERT_FALSE(taskId.empty()) << device;
    expectTaskLinesCarryIds(taskId, device);
  }
  expectStubLineAbout("ABC123", 200);
  expectStubLineAbout("UNKNOWN777", 404);
  expectStubLineAbout(kFailingDevice, 500);
  // Lines about no task in particular carry no ids; those that do are about
  // one of the tasks run here.
  std::set<std::string> levels;
  for (const auto& line : hostLog_.lines) {
    levels.insert(field(line, "level"));
    if (!line->has("taskId")) continue;
    const std::string device = field(line, "deviceId");
    ASSERT_EQ(tasks.count(device), 1u) << field(line, "message");
    EXPECT_EQ(field(line, "taskId"), tasks.at(device));
  }
  EXPECT_EQ(levels.count("information"), 1u);
}

TEST_F(JsonLogsEndToEnd, RetriesAndGivingUpOnAnUnreachableANameTheTask) {
  // Port 1 on loopback refuses connections: every call to A fails at once.
  startSystem({"worker.serviceUrl=https://127.0.0.1:1", "worker.retryBudgetSeconds=2"});
  const std::string taskId = runTask("GOOD01", 500);
  stopAndParseLogs();
  int retries = 0;
  int givenUp = 0;
  for (const auto& line : hostLog_.lines) {
    const std::string message = field(line, "message");
    if (!contains(message, taskId)) continue;
    EXPECT_EQ(field(line, "taskId"), taskId) << message;
    EXPECT_EQ(field(line, "deviceId"), "GOOD01") << message;
    if (contains(message, "retrying in")) ++retries;
    if (contains(message, "giving up after")) {
      ++givenUp;
      EXPECT_EQ(field(line, "level"), "warning");
    }
  }
  EXPECT_GE(retries, 1);
  EXPECT_EQ(givenUp, 1);
}

}  // namespace
}  // namespace cpe::testing
