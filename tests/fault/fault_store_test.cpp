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
  // Eight clients posting for several seconds, across the outage.
  auto posting = std::async(std::launch::async,
                            [&host] { return postTasks(host->api(), kTasks, 8, 0, 80ms); });
  std::this_thread::sleep_for(1500ms);
  postgresStopped_ = true;
  stopPostgres();
  const HttpResult refused = host->api().post("/api/v1/equipment/cpe/GOOD01", validTaskBody());
  std::this_thread::sleep_for(1500ms);
  startPostgres();
  postgresStopped_ = false;
  PostOutcome posted = posting.get();
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

}  // namespace
}  // namespace cpe::testing
