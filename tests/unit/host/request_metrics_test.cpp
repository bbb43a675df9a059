#include "api/request_metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "collected_metrics.h"

namespace cpe::host::api {
namespace {

using std::chrono::milliseconds;

constexpr const char* kRequests = "cpe_api_requests_total";
constexpr const char* kDurations = "cpe_api_request_duration_seconds";

TEST(RequestMetrics, CountsEachRequestByRouteAndStatusAndTimesItByRoute) {
  prometheus::Registry registry;
  RequestMetrics metrics(registry);
  metrics.record("create_task", 200, milliseconds(3), true);
  metrics.record("create_task", 200, milliseconds(4), true);
  metrics.record("create_task", 503, milliseconds(2), true);

  EXPECT_EQ(testing::counterValue(registry, kRequests, {{"route", "create_task"}, {"code", "200"}}),
            2);
  EXPECT_EQ(testing::counterValue(registry, kRequests, {{"route", "create_task"}, {"code", "503"}}),
            1);
  const auto timed = testing::collectedSample(registry, kDurations, {{"route", "create_task"}});
  ASSERT_TRUE(timed.has_value());
  EXPECT_EQ(timed->histogram.sample_count, 3u);
  EXPECT_DOUBLE_EQ(timed->histogram.sample_sum, 0.009);
}

TEST(RequestMetrics, ARequestThatAskedToWaitIsCountedButNotTimed) {
  prometheus::Registry registry;
  RequestMetrics metrics(registry);
  metrics.record("task_status", 200, std::chrono::seconds(30), false);

  EXPECT_EQ(testing::counterValue(registry, kRequests, {{"route", "task_status"}, {"code", "200"}}),
            1);
  EXPECT_EQ(testing::histogramCount(registry, kDurations, {{"route", "task_status"}}), 0u);
}

TEST(RequestMetrics, EveryRouteHasItsDurationSeriesFromTheStart) {
  prometheus::Registry registry;
  RequestMetrics metrics(registry);
  for (const char* route : RequestMetrics::kRoutes) {
    EXPECT_TRUE(testing::collectedSample(registry, kDurations, {{"route", route}}).has_value())
        << route;
  }
  // Counts appear with the first answer of each status line, as before.
  EXPECT_FALSE(testing::collectedSample(registry, kRequests, {{"route", "other"}, {"code", "404"}})
                   .has_value());
}

TEST(RequestMetrics, ARouteNotListedIsTimedAllTheSame) {
  prometheus::Registry registry;
  RequestMetrics metrics(registry);
  metrics.record("new_route", 200, milliseconds(1), true);
  EXPECT_EQ(testing::histogramCount(registry, kDurations, {{"route", "new_route"}}), 1u);
}

TEST(RequestMetrics, RecordsFromManyThreadsAddUp) {
  prometheus::Registry registry;
  RequestMetrics metrics(registry);
  constexpr int kThreads = 4;
  constexpr int kEach = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) metrics.record("healthz", 200, milliseconds(1), true);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(testing::counterValue(registry, kRequests, {{"route", "healthz"}, {"code", "200"}}),
            kThreads * kEach);
  EXPECT_EQ(testing::histogramCount(registry, kDurations, {{"route", "healthz"}}),
            static_cast<std::uint64_t>(kThreads) * kEach);
}

}  // namespace
}  // namespace cpe::host::api
