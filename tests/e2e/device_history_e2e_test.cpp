// A device's history end to end (GET /api/v1/equipment/cpe/{id}/tasks):
// real cpe-stub-a, cpe-host and RabbitMQ processes on loopback, once per
// store plugin. Each test has queues (and schema, and files) of its own.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "https_client.h"
#include "password_leaks.h"
#include "running_services.h"

namespace cpe::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::regex kTimestamp(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$)");

std::string historyPath(const std::string& device, const std::string& query = "") {
  return "/api/v1/equipment/cpe/" + device + "/tasks" + (query.empty() ? "" : "?" + query);
}

// One entry of a history answer, checked field by field as it is read.
struct Entry {
  std::string taskId;
  std::string status;
  int code = 0;
  std::string createdAt;
  std::string finishedAt;  // empty when null
};

class DeviceHistoryEndToEnd : public ::testing::TestWithParam<Backends> {
 protected:
  void TearDown() override {
    host_.reset();
    stub_.reset();
    deleteQueues(queues_);
  }

  // A stub holding each call for `stubDelay` seconds, and a host over the
  // store under test and RabbitMQ.
  void startSystem(double stubDelay, std::vector<std::string> defines = {}) {
    stub_ = std::make_unique<RunningStub>(stubDelay);
    const std::string dir = freshDir("host");
    auto all = backendDefines(GetParam(), queues_, dir);
    all.insert(all.end(), defines.begin(), defines.end());
    host_ = std::make_unique<RunningHost>(dir, *stub_, all);
  }

  std::string post(const std::string& device) {
    const HttpResult result = host_->api().post(
        "/api/v1/equipment/cpe/" + device,
        std::string(R"({"timeoutInSeconds":14,"parameters":{"username":"admin","password":")") +
            kSuiteDevicePassword + R"(","vlan":534,"interfaces":[1,2]}})");
    EXPECT_EQ(result.status, 200) << result.body;
    return result.status == 200 ? result.json()->getValue<std::string>("taskId") : "";
  }

  // GETs a history page, checks the envelope and every entry's fields, and
  // returns the entries and `next` ("" when absent).
  std::vector<Entry> page(const std::string& device, const std::string& query, std::string& next) {
    const HttpResult result = host_->api().get(historyPath(device, query));
    EXPECT_EQ(result.status, 200) << result.body;
    bodies_.push_back(result.body);
    std::vector<Entry> entries;
    if (result.status != 200) return entries;
    const auto answer = result.json();
    EXPECT_EQ(answer->getValue<int>("code"), 200);
    next = answer->has("next") ? answer->getValue<std::string>("next") : "";
    const auto tasks = answer->getArray("tasks");
    EXPECT_FALSE(tasks.isNull()) << result.body;
    if (tasks.isNull()) return entries;
    for (std::size_t i = 0; i < tasks->size(); ++i)
      entries.push_back(entryOf(*tasks->getObject(i)));
    return entries;
  }

  static Entry entryOf(const Poco::JSON::Object& task) {
    std::vector<std::string> names;
    task.getNames(names);
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names,
              (std::vector<std::string>{"code", "createdAt", "finishedAt", "status", "taskId"}));
    Entry entry;
    entry.taskId = task.getValue<std::string>("taskId");
    entry.status = task.getValue<std::string>("status");
    entry.code = task.getValue<int>("code");
    entry.createdAt = task.getValue<std::string>("createdAt");
    EXPECT_TRUE(std::regex_match(entry.createdAt, kTimestamp)) << entry.createdAt;
    if (!task.isNull("finishedAt")) {
      entry.finishedAt = task.getValue<std::string>("finishedAt");
      EXPECT_TRUE(std::regex_match(entry.finishedAt, kTimestamp)) << entry.finishedAt;
      EXPECT_GE(entry.finishedAt, entry.createdAt);
    }
    // The same status words and codes as the task endpoint's body.
    if (entry.status == "queued") {
      EXPECT_EQ(entry.code, 204);
      EXPECT_TRUE(entry.finishedAt.empty()) << "a queued task has no finishedAt";
    } else {
      EXPECT_EQ(entry.status, "completed") << "the stub knows ABC123 and GOOD01";
      EXPECT_EQ(entry.code, 200);
      EXPECT_FALSE(entry.finishedAt.empty()) << "a finished task has a finishedAt";
    }
    return entry;
  }

  static std::vector<std::string> idsOf(const std::vector<Entry>& entries) {
    std::vector<std::string> ids;
    for (const auto& entry : entries) ids.push_back(entry.taskId);
    return ids;
  }

  void expectNoParametersInAnyAnswer() {
    for (const std::string& body : bodies_) {
      EXPECT_EQ(body.find(kSuiteDevicePassword), std::string::npos) << body;
      EXPECT_EQ(body.find("parameters"), std::string::npos) << body;
      EXPECT_EQ(body.find("admin"), std::string::npos) << body;
    }
    EXPECT_EQ(host_->log().find(kSuiteDevicePassword), std::string::npos)
        << "password in the host log";
  }

  QueueNames queues_ = QueueNames::unique();
  std::unique_ptr<RunningStub> stub_;
  std::unique_ptr<RunningHost> host_;
  std::vector<std::string> bodies_;  // every history answer read
};

TEST_P(DeviceHistoryEndToEnd, ListsADevicesTasksNewestFirstPageByPageWithoutParameters) {
  // One worker and a slow A: most tasks are still queued while listed.
  startSystem(1.5, {"worker.threads=1"});
  std::vector<std::string> posted;
  for (int i = 0; i < 5; ++i) {
    posted.push_back(post("ABC123"));
    std::this_thread::sleep_for(5ms);  // distinct createdAt: the order is the posting order
  }
  const std::string elsewhere = post("GOOD01");
  const std::vector<std::string> newestFirst(posted.rbegin(), posted.rend());

  std::string next;
  const auto all = page("ABC123", "", next);
  EXPECT_EQ(idsOf(all), newestFirst);
  EXPECT_EQ(next, "") << "one page holds them all";
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_GE(all[i - 1].createdAt, all[i].createdAt);

  // Pages of two: 2, 2, 1, each after the `next` of the one before; a task
  // posted meanwhile is newer than the cursor, so it shifts nothing.
  std::vector<std::string> walked;
  std::vector<std::size_t> sizes;
  std::string query = "limit=2";
  for (int pages = 0; pages < 5; ++pages) {
    const auto entries = page("ABC123", query, next);
    sizes.push_back(entries.size());
    for (const auto& entry : entries) walked.push_back(entry.taskId);
    if (pages == 0) post("ABC123");
    if (next.empty()) break;
    query = "limit=2&after=" + next;
  }
  EXPECT_EQ(walked, newestFirst);
  EXPECT_EQ(sizes, (std::vector<std::size_t>{2, 2, 1}));

  EXPECT_EQ(idsOf(page("GOOD01", "limit=100", next)), std::vector<std::string>{elsewhere});

  // Once the oldest task is done, its entry says so, with when it finished.
  const auto deadline = Clock::now() + 60s;
  std::vector<Entry> latest;
  while (Clock::now() < deadline) {
    latest = page("ABC123", "limit=100", next);
    if (!latest.empty() && latest.back().status == "completed") break;
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_EQ(latest.size(), 6u);
  EXPECT_EQ(latest.back().taskId, posted.front());
  EXPECT_EQ(latest.back().status, "completed");
  EXPECT_EQ(host_->api().get("/api/v1/equipment/cpe/ABC123/task/" + posted.front()).body,
            R"({"code":200,"message":"Completed"})");
  expectNoParametersInAnyAnswer();
}

TEST_P(DeviceHistoryEndToEnd, RefusesBadQueriesAndIdsAndListsNothingForADeviceWithNoTasks) {
  startSystem(0.2);
  post("ABC123");
  const auto& api = host_->api();
  const std::string badLimit = R"({"code":400,"message":"limit must be an integer from 1 to 100"})";
  for (const char* query : {"limit=0", "limit=101", "limit=abc", "limit=1.5", "limit=-1",
                            "limit=", "limit=5&limit=5"}) {
    const HttpResult result = api.get(historyPath("ABC123", query));
    EXPECT_EQ(result.status, 400) << query;
    if (std::string(query) != "limit=5&limit=5") {
      EXPECT_EQ(result.body, badLimit) << query;
    }
  }
  const std::string badCursor = R"({"code":400,"message":"after must be a cursor given as next"})";
  for (const char* query : {"after=", "after=garbage", "after=MTIzLmFiYw", "limit=2&after=%00"}) {
    const HttpResult result = api.get(historyPath("ABC123", query));
    EXPECT_EQ(result.status, 400) << query;
    EXPECT_EQ(result.body, badCursor) << query;
  }
  // As for a task: an id of the wrong form is "equipment not found".
  const std::string noEquipment =
      R"({"code":404,"message":"The requested equipment is not found"})";
  for (const char* device : {"AB-1", "ABC12", "ABC%20123"}) {
    const HttpResult result = api.get(historyPath(device));
    EXPECT_EQ(result.status, 404) << device;
    EXPECT_EQ(result.body, noEquipment) << device;
  }
  // A well-formed device B has no task of: an empty history, not a 404.
  HttpResult result = api.get(historyPath("NOTASKS1"));
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, R"({"code":200,"tasks":[]})");
  result = api.post(historyPath("ABC123"), "{}");
  EXPECT_EQ(result.status, 405);
  EXPECT_EQ(result.headers.at("Allow"), "GET");
  EXPECT_EQ(api.get(historyPath("ABC123") + "/").status, 404);
  const std::string metrics = api.get("/metrics").body;
  EXPECT_TRUE(metricValue(metrics, R"(cpe_api_requests_total{route="device_history",code="400"})")
                  .has_value())
      << metrics;
}

INSTANTIATE_TEST_SUITE_P(Stores, DeviceHistoryEndToEnd,
                         ::testing::Values(Backends{"memory", "rabbitmq"},
                                           Backends{"sqlite", "rabbitmq"},
                                           Backends{"postgres", "rabbitmq"}),
                         [](const auto& param) { return param.param.name(); });

}  // namespace
}  // namespace cpe::testing
