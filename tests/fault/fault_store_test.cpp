// PostgreSQL restarted while clients post and workers finish tasks: the API
// refuses with 503 and Retry-After while the database is away, recovers by
// itself, and loses no task it accepted.
#include <future>
#include <iostream>
#include <thread>

#include "fault_fixture.h"

namespace cpe::testing {
namespace {

constexpr int kTasks = 400;

// POSTs the API refused with 503.
constexpr const char* kRefusedPosts = "cpe_api_requests_total{route=\"create_task\",code=\"503\"}";

// Waits until `series` on `host`'s /metrics is at least `value`.
bool awaitMetricAtLeast(const RunningHost& host, const std::string& series, double value,
                        std::chrono::seconds limit = 60s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (metricValue(host.api().get("/metrics").body, series).value_or(0) < value) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

class StoreFault : public FaultTest {
 protected:
  void TearDown() override {
    if (postgresStopped_) startPostgres();  // never leave the shared server down
    FaultTest::TearDown();
  }
  bool postgresStopped_ = false;
};

TEST_F(StoreFault, PostgresRestartedUnderLoadAnswers503ThenRecoversLosingNoAcceptedTask) {
  useBackends({"postgres", "rabbitmq"});
  stub_ = startStub(0.2);
  auto host = startHost("host");
  // Eight clients posting for several seconds (50 POSTs each, 80 ms apart),
  // across the outage: it begins once the store has taken some of their
  // tasks, and ends once the clients' POSTs are being refused too.
  auto posting = std::async(std::launch::async,
                            [&host] { return postTasks(host->api(), kTasks, 8, 0, 80ms); });
  const bool stored =
      awaitMetricAtLeast(*host, "cpe_tasks_created_total", static_cast<double>(kTasks) / 8);
  ASSERT_TRUE(stored && posting.wait_for(0s) == std::future_status::timeout)
      << "precondition: the outage must begin while clients are posting\n"
      << host->log();
  postgresStopped_ = true;
  stopPostgres();
  const HttpResult refused = host->api().post("/api/v1/equipment/cpe/GOOD01", validTaskBody());
  // Ours and at least one client's.
  const bool clientsRefused = awaitMetricAtLeast(*host, kRefusedPosts, 2);
  startPostgres();
  postgresStopped_ = false;
  PostOutcome posted = posting.get();
  EXPECT_TRUE(clientsRefused) << "the host counted no 503 for the clients' POSTs in the outage";
  // The pool reconnects by itself: a new task is accepted again.
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  const std::size_t before = posted.accepted.size();
  while (posted.accepted.size() == before && std::chrono::steady_clock::now() < deadline) {
    PostOutcome more = postTasks(host->api(), 1, 1, kTasks);
    posted.accepted.insert(posted.accepted.end(), more.accepted.begin(), more.accepted.end());
    if (posted.accepted.size() == before) std::this_thread::sleep_for(200ms);
  }
  ASSERT_GT(posted.accepted.size(), before) << "the API never recovered";

  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.body, R"({"code":503,"message":"Service temporarily unavailable"})");
  EXPECT_EQ(refused.headers.count("Retry-After"), 1u);
  EXPECT_GT(posted.refusedByStatus[503], 0) << "no client POST was refused during the outage";
  EXPECT_EQ(posted.refusedWithoutRetryAfter, 0);
  for (const auto& [status, count] : posted.refusedByStatus) {
    EXPECT_EQ(status, 503) << count << " POST(s) answered HTTP " << status;
  }
  EXPECT_GT(posted.accepted.size(), 0u);
  account("PostgreSQL restarted under load", posted.accepted, host->api(), 200);
  int refusedCount = 0;
  for (const auto& [status, count] : posted.refusedByStatus) refusedCount += count;
  std::cout << "  accepted " << posted.accepted.size() << " POSTs; " << refusedCount
            << " refused with 503 during the outage\n";
}

// api-contract.md: a refusal keeps its status line under every status-line
// policy; `envelope` once answered a store outage as HTTP 200. It stops the
// shared PostgreSQL, so its name matches the run-alone filter
// (*.PostgresRestarted*, tests/fault/CMakeLists.txt).
TEST_F(StoreFault, PostgresRestartedA503KeepsItsStatusLineUnderEveryPolicy) {
  useBackends({"postgres", "rabbitmq"});
  stub_ = startStub(0.2);
  std::vector<std::unique_ptr<RunningHost>> hosts;
  for (const std::string policy : {"mirror", "bare204", "envelope"}) {
    hosts.push_back(startHost(policy, {"api.statusLinePolicy=" + policy}));
  }
  postgresStopped_ = true;
  stopPostgres();
  const std::string device = "/api/v1/equipment/cpe/GOOD01";
  for (const auto& host : hosts) {
    const std::vector<HttpResult> answers = {
        host->api().post(device, validTaskBody()),
        host->api().get(device + "/task/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"),
        host->api().get(device + "/tasks")};
    for (const HttpResult& answer : answers) {
      EXPECT_EQ(answer.status, 503) << answer.body << "\n" << host->log();
      EXPECT_EQ(answer.body, R"({"code":503,"message":"Service temporarily unavailable"})");
      EXPECT_EQ(answer.headers.count("Retry-After"), 1u);
    }
  }
  startPostgres();
  postgresStopped_ = false;
}

}  // namespace
}  // namespace cpe::testing
