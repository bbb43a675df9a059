#include "api/request_metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "collected_metrics.h"

namespace cpe::host::api {
namespace {

constexpr const char* kRequests = "cpe_api_requests_total";

TEST(RequestMetrics, CountsEachRequestByRouteAndStatus) {
  prometheus::Registry registry;
  RequestMetrics metrics(registry);
  metrics.record("create_task", 200);
  metrics.record("create_task", 200);
  metrics.record("create_task", 503);

  EXPECT_EQ(testing::counterValue(registry, kRequests, {{"route", "create_task"}, {"code", "200"}}),
            2);
  EXPECT_EQ(testing::counterValue(registry, kRequests, {{"route", "create_task"}, {"code", "503"}}),
            1);
  // Counts appear with the first answer of each status line.
  EXPECT_FALSE(testing::collectedSample(registry, kRequests, {{"route", "other"}, {"code", "404"}})
                   .has_value());
}

TEST(RequestMetrics, RecordsFromManyThreadsAddUp) {
  prometheus::Registry registry;
  RequestMetrics metrics(registry);
  constexpr int kThreads = 4;
  constexpr int kEach = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) metrics.record("healthz", 200);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(testing::counterValue(registry, kRequests, {{"route", "healthz"}, {"code", "200"}}),
            kThreads * kEach);
}

}  // namespace
}  // namespace cpe::host::api
