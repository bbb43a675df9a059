#include "auth/rate_limiter.h"

#include <gtest/gtest.h>

namespace cpe::host::auth {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiter, LetsABurstThroughThenRefusesUntilTheBucketRefills) {
  RateLimiter limiter;
  limiter.limit("portal", /*perSecond=*/2, /*burst=*/3);
  const auto start = RateLimiter::Clock::now();
  EXPECT_FALSE(limiter.take("portal", start));
  EXPECT_FALSE(limiter.take("portal", start));
  EXPECT_FALSE(limiter.take("portal", start));
  const auto refused = limiter.take("portal", start);
  ASSERT_TRUE(refused);
  EXPECT_EQ(*refused, 1s) << "half a second to the next token, rounded up";
  EXPECT_TRUE(limiter.take("portal", start + 400ms));
  EXPECT_FALSE(limiter.take("portal", start + 500ms)) << "one token after 0.5 s at 2/s";
  EXPECT_TRUE(limiter.take("portal", start + 600ms));
  // A long pause refills to the burst, never beyond it.
  const auto later = start + 1h;
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.take("portal", later)) << i;
  EXPECT_TRUE(limiter.take("portal", later));
}

TEST(RateLimiter, SaysHowLongUntilTheNextTokenInWholeSeconds) {
  RateLimiter limiter;
  limiter.limit("slow", /*perSecond=*/0.1, /*burst=*/1);
  const auto start = RateLimiter::Clock::now();
  EXPECT_FALSE(limiter.take("slow", start));
  EXPECT_EQ(limiter.take("slow", start), 10s);
  EXPECT_EQ(limiter.take("slow", start + 2500ms), 8s);
}

TEST(RateLimiter, CallersHaveBucketsOfTheirOwnAndTheUnlimitedNone) {
  RateLimiter limiter;
  limiter.limit("portal", 1, 1);
  limiter.limit("billing", 1, 1);
  const auto start = RateLimiter::Clock::now();
  EXPECT_FALSE(limiter.take("portal", start));
  EXPECT_TRUE(limiter.take("portal", start));
  EXPECT_FALSE(limiter.take("billing", start)) << "portal's use is not billing's";
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(limiter.take("unlimited", start));
}

}  // namespace
}  // namespace cpe::host::auth
