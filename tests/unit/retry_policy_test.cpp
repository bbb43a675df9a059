#include "cpe/retry_policy.h"

#include <gtest/gtest.h>

namespace cpe {
namespace {

using std::chrono::milliseconds;

TEST(RetryPolicy, BackoffStaysWithinTheDoublingCeiling) {
  RetryPolicy policy({milliseconds(100), milliseconds(1000), milliseconds(60000)}, 7);
  for (int i = 0; i < 200; ++i) {
    EXPECT_LE(policy.backoff(1).count(), 100);
    EXPECT_LE(policy.backoff(2).count(), 200);
    EXPECT_LE(policy.backoff(3).count(), 400);
    EXPECT_LE(policy.backoff(10).count(), 1000);    // capped
    EXPECT_LE(policy.backoff(1000).count(), 1000);  // no overflow
    EXPECT_GE(policy.backoff(5).count(), 0);
  }
}

TEST(RetryPolicy, FullJitterSpreadsWaits) {
  RetryPolicy policy({milliseconds(1000), milliseconds(1000), milliseconds(60000)}, 7);
  std::int64_t low = 1000, high = 0;
  for (int i = 0; i < 200; ++i) {
    const auto wait = policy.backoff(1).count();
    low = std::min(low, wait);
    high = std::max(high, wait);
  }
  EXPECT_LT(low, 200);
  EXPECT_GT(high, 800);
}

TEST(RetryPolicy, BudgetBoundsTheLastRetry) {
  RetryPolicy policy({milliseconds(100), milliseconds(1000), milliseconds(5000)});
  EXPECT_TRUE(policy.fitsBudget(milliseconds(3000), milliseconds(1000)));
  EXPECT_FALSE(policy.fitsBudget(milliseconds(4500), milliseconds(600)));
  RetryPolicy none({milliseconds(100), milliseconds(1000), milliseconds(0)});
  EXPECT_FALSE(none.fitsBudget(milliseconds(0), milliseconds(0)));
}

}  // namespace
}  // namespace cpe
