// GET /metrics on a real host (SQLite + RabbitMQ): every outcome the host
// produces shows in its counters and histograms, in the Prometheus text
// format; the stub serves its own the same way.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "https_client.h"
#include "password_leaks.h"
#include "running_services.h"

namespace cpe::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class HostMetrics : public ::testing::Test {
 protected:
  void SetUp() override {
    stub_ = std::make_unique<RunningStub>(0.1);
    const std::string dir = freshDir("host");
    host_ = std::make_unique<RunningHost>(dir, *stub_,
                                          backendDefines({"sqlite", "rabbitmq"}, queues_, dir));
  }
  void TearDown() override {
    host_.reset();
    stub_.reset();
    deleteQueues(queues_);
  }

  std::string post(const std::string& device) {
    const HttpResult result = host_->api().post(
        "/api/v1/equipment/cpe/" + device,
        std::string(R"({"timeoutInSeconds":14,"parameters":{"username":"u","password":")") +
            kSuiteDevicePassword + R"(","interfaces":[1]}})");
    EXPECT_EQ(result.status, 200) << result.body;
    return result.status == 200 ? result.json()->getValue<std::string>("taskId") : "";
  }

  // Polls /metrics until `series` reaches `value`; returns the last text.
  std::string awaitMetric(const std::string& series, double value) {
    const auto deadline = Clock::now() + 60s;
    std::string text;
    while (Clock::now() < deadline) {
      text = host_->api().get("/metrics").body;
      if (metricValue(text, series).value_or(-1) >= value) break;
      std::this_thread::sleep_for(100ms);
    }
    return text;
  }

  QueueNames queues_ = QueueNames::unique();
  std::unique_ptr<RunningStub> stub_;
  std::unique_ptr<RunningHost> host_;
};

TEST_F(HostMetrics, AnswersInThePrometheusTextFormat) {
  awaitMetric("cpe_broker_up", 1);  // the host may still be connecting
  const HttpResult metrics = host_->api().get("/metrics");
  ASSERT_EQ(metrics.status, 200) << metrics.body;
  EXPECT_EQ(metrics.headers.at("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics.body.find("# TYPE cpe_tasks_created_total counter\n"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("# TYPE cpe_broker_up gauge\n"), std::string::npos);
  EXPECT_EQ(metricValue(metrics.body, "cpe_broker_up"), 1.0) << metrics.body;
  EXPECT_EQ(metricValue(metrics.body, "cpe_store_up"), 1.0) << metrics.body;
  EXPECT_EQ(metricValue(metrics.body, "cpe_tasks_created_total"), 0.0) << metrics.body;
  EXPECT_EQ(host_->api().post("/metrics", "").status, 405);
}

TEST_F(HostMetrics, CountTasksCallsResultsAndDeadLetters) {
  post("ABC123");        // Completed
  post("UNKNOWN777");    // equipment not found
  post(kFailingDevice);  // failed
  publishRaw(queues_.tasks, "not a task");
  EXPECT_EQ(host_->api().get("/no/such/path").status, 404);

  // Counters only go up: once each has been seen, the last text has them all.
  // A task's time to its terminal state is observed after its result is
  // acknowledged, so it may come a little after the applied count.
  std::string text;
  for (const char* series :
       {"cpe_results_applied_total{status=\"completed\"}",
        "cpe_results_applied_total{status=\"equipment_not_found\"}",
        "cpe_results_applied_total{status=\"failed\"}",
        "cpe_messages_dead_lettered_total{queue=\"tasks\"}",
        "cpe_task_accept_to_terminal_seconds_count{status=\"completed\"}",
        "cpe_task_accept_to_terminal_seconds_count{status=\"equipment_not_found\"}",
        "cpe_task_accept_to_terminal_seconds_count{status=\"failed\"}"}) {
    text = awaitMetric(series, 1);
  }
  EXPECT_EQ(metricValue(text, "cpe_tasks_created_total"), 3.0) << text;
  EXPECT_EQ(metricValue(text, "cpe_api_requests_total{route=\"create_task\",code=\"200\"}"), 3.0)
      << text;
  EXPECT_EQ(metricValue(text, "cpe_api_requests_total{route=\"other\",code=\"404\"}"), 1.0) << text;
  for (const char* status : {"completed", "equipment_not_found", "failed"}) {
    const std::string label = std::string("{status=\"") + status + "\"}";
    EXPECT_EQ(metricValue(text, "cpe_worker_tasks_finished_total" + label), 1.0) << text;
    EXPECT_EQ(metricValue(text, "cpe_results_applied_total" + label), 1.0) << text;
  }
  EXPECT_GE(metricValue(text, "cpe_worker_calls_total{outcome=\"answered\"}").value_or(0), 3.0)
      << text;
  EXPECT_EQ(metricValue(text, "cpe_messages_dead_lettered_total{queue=\"tasks\"}"), 1.0) << text;
  EXPECT_EQ(metricValue(text, "cpe_worker_circuit_open"), 0.0) << text;
  EXPECT_EQ(metricValue(text, "cpe_tasks_stuck"), 0.0) << text;
  EXPECT_EQ(text.find(kSuiteDevicePassword), std::string::npos) << "the password in /metrics";

  // The histograms: each POST timed under its route, each call to A under
  // its outcome, each task from its POST to its end under its status.
  EXPECT_NE(text.find("# TYPE cpe_api_request_duration_seconds histogram\n"), std::string::npos);
  EXPECT_EQ(metricValue(text, "cpe_api_request_duration_seconds_count{route=\"create_task\"}"), 3.0)
      << text;
  EXPECT_EQ(metricValue(text,
                        "cpe_api_request_duration_seconds_bucket{route=\"create_task\","
                        "le=\"+Inf\"}"),
            3.0)
      << text;
  EXPECT_GE(
      metricValue(text, "cpe_a_call_duration_seconds_count{outcome=\"answered\"}").value_or(0), 3.0)
      << text;
  EXPECT_GT(metricValue(text, "cpe_a_call_duration_seconds_sum{outcome=\"answered\"}").value_or(0),
            0.0)
      << text;
  for (const char* status : {"completed", "equipment_not_found", "failed"}) {
    const std::string label = std::string("{status=\"") + status + "\"}";
    EXPECT_EQ(metricValue(text, "cpe_task_accept_to_terminal_seconds_count" + label), 1.0) << text;
    // The stub holds each call 0.1 s: no task ends faster.
    EXPECT_GE(metricValue(text, "cpe_task_accept_to_terminal_seconds_sum" + label).value_or(0), 0.1)
        << text;
  }

  // The stub's own: A's view of the same three calls.
  const HttpResult stubMetrics = stub_->https().get("/metrics");
  ASSERT_EQ(stubMetrics.status, 200) << stubMetrics.body;
  EXPECT_EQ(stubMetrics.headers.at("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  for (const char* code : {"200", "404", "500"}) {
    const std::string label = std::string("{code=\"") + code + "\"}";
    EXPECT_EQ(metricValue(stubMetrics.body, "cpe_stub_requests_total" + label), 1.0)
        << stubMetrics.body;
    EXPECT_EQ(metricValue(stubMetrics.body, "cpe_stub_request_duration_seconds_count" + label), 1.0)
        << stubMetrics.body;
  }
  EXPECT_EQ(metricValue(stubMetrics.body, "cpe_stub_requests_held"), 0.0) << stubMetrics.body;
  EXPECT_EQ(stubMetrics.body.find(kSuiteDevicePassword), std::string::npos)
      << "the password in the stub's";
  EXPECT_EQ(stub_->https().post("/metrics", "").status, 405);
}

TEST_F(HostMetrics, StatusRequestsThatAskToWaitAreCountedButNotTimed) {
  const std::string path = "/api/v1/equipment/cpe/ABC123/task/" + post("ABC123");
  awaitMetric("cpe_results_applied_total{status=\"completed\"}", 1);
  const std::string timed = "cpe_api_request_duration_seconds_count{route=\"task_status\"}";
  const std::string counted = "cpe_api_requests_total{route=\"task_status\",code=\"200\"}";
  std::string text = host_->api().get("/metrics").body;
  const double timedBefore = metricValue(text, timed).value_or(-1);
  const double countedBefore = metricValue(text, counted).value_or(0);
  EXPECT_EQ(timedBefore, 0.0) << text;

  ASSERT_EQ(host_->api().get(path + "?waitSeconds=5").status, 200);
  text = host_->api().get("/metrics").body;
  EXPECT_EQ(metricValue(text, timed), timedBefore) << text;
  EXPECT_EQ(metricValue(text, counted), countedBefore + 1) << text;

  ASSERT_EQ(host_->api().get(path).status, 200);
  text = host_->api().get("/metrics").body;
  EXPECT_EQ(metricValue(text, timed), timedBefore + 1) << text;
  EXPECT_EQ(metricValue(text, counted), countedBefore + 2) << text;
}

// A worker-only host serves no API; its ops endpoint answers probes and
// scrapes, and nothing else.
TEST(HostOpsEndpoint, AWorkerOnlyHostAnswersProbesAndMetricsOnItsOpsPort) {
  const QueueNames queues = QueueNames::unique();
  RunningStub stub(0.1);
  const std::string apiDir = freshDir("api-host");
  RunningHost apiHost(apiDir, stub, [&] {
    auto defines = backendDefines({"sqlite", "rabbitmq"}, queues, apiDir);
    defines.push_back("host.roles=api,results");
    return defines;
  }());
  const std::string workerDir = freshDir("worker-host");
  RunningHost worker(workerDir, stub, [&] {
    auto defines = backendDefines({"sqlite", "rabbitmq"}, queues, workerDir);
    defines.insert(defines.end(),
                   {"host.roles=worker", "ops.http.enabled=true", "ops.http.port=0"});
    return defines;
  }());
  ASSERT_EQ(worker.port("https"), 0) << "a worker-only host serves no API";
  ASSERT_NE(worker.port("ops.http"), 0);
  const TestClient ops("127.0.0.1", worker.port("ops.http"), "");

  const HttpResult posted = apiHost.api().post(
      "/api/v1/equipment/cpe/ABC123",
      std::string(R"({"timeoutInSeconds":14,"parameters":{"username":"u","password":")") +
          kSuiteDevicePassword + R"(","interfaces":[1]}})");
  ASSERT_EQ(posted.status, 200) << posted.body;
  const std::string series = "cpe_worker_tasks_finished_total{status=\"completed\"}";
  std::string text;
  const auto deadline = Clock::now() + 60s;
  while (metricValue(text, series).value_or(0) < 1 && Clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    text = ops.get("/metrics").body;
  }
  EXPECT_EQ(metricValue(text, series), 1.0) << text;
  EXPECT_EQ(metricValue(text, "cpe_broker_up"), 1.0) << text;
  EXPECT_EQ(text.find("cpe_store_up"), std::string::npos) << "a worker-only host has no store";
  EXPECT_EQ(text.find("cpe_tasks_created_total"), std::string::npos) << "nor an API";

  EXPECT_EQ(ops.get("/healthz").status, 200);
  const HttpResult ready = ops.get("/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ops.post("/api/v1/equipment/cpe/ABC123", "{}").status, 404);
  EXPECT_EQ(ops.post("/metrics", "").status, 405);
  deleteQueues(queues);
}

}  // namespace
}  // namespace cpe::testing
