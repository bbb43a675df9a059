#include "cpe/circuit_breaker.h"

#include <gtest/gtest.h>

namespace cpe {
namespace {

using namespace std::chrono_literals;
using State = CircuitBreaker::State;

class CircuitBreakerTest : public ::testing::Test {
 protected:
  CircuitBreaker::Clock::time_point now_{};
  CircuitBreaker breaker_{CircuitBreakerOptions{3, 1000ms, 120s}, [this] { return now_; }};

  void fail(int times) {
    for (int i = 0; i < times; ++i) {
      ASSERT_TRUE(breaker_.tryAcquire().allowed);
      breaker_.onFailure();
    }
  }
};

TEST_F(CircuitBreakerTest, StaysClosedBelowTheThresholdAndASuccessResetsTheCount) {
  fail(2);
  EXPECT_TRUE(breaker_.onSuccess() == false);
  fail(2);
  EXPECT_EQ(breaker_.state(), State::kClosed);
  EXPECT_TRUE(breaker_.tryAcquire().allowed);
}

TEST_F(CircuitBreakerTest, OpensAtTheThresholdOnceAndRefusesCallsUntilTheTimeIsUp) {
  fail(2);
  ASSERT_TRUE(breaker_.tryAcquire().allowed);
  EXPECT_TRUE(breaker_.onFailure()) << "the call that opens it says so";
  EXPECT_FALSE(breaker_.onFailure()) << "a late failure does not open it twice";
  EXPECT_EQ(breaker_.state(), State::kOpen);
  now_ += 400ms;
  const auto refused = breaker_.tryAcquire();
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retryIn, 600ms);
}

TEST_F(CircuitBreakerTest, LetsOneProbeThroughAfterTheOpenPeriod) {
  fail(3);
  now_ += 1000ms;
  EXPECT_TRUE(breaker_.tryAcquire().allowed) << "the probe";
  EXPECT_EQ(breaker_.state(), State::kHalfOpen);
  EXPECT_FALSE(breaker_.tryAcquire().allowed) << "others wait for the probe's verdict";
}

TEST_F(CircuitBreakerTest, ASuccessfulProbeClosesIt) {
  fail(3);
  now_ += 1000ms;
  ASSERT_TRUE(breaker_.tryAcquire().allowed);
  EXPECT_TRUE(breaker_.onSuccess());
  EXPECT_EQ(breaker_.state(), State::kClosed);
  EXPECT_TRUE(breaker_.tryAcquire().allowed);
  EXPECT_TRUE(breaker_.tryAcquire().allowed);
}

TEST_F(CircuitBreakerTest, AFailedProbeOpensItAgainForAnotherPeriod) {
  fail(3);
  now_ += 1000ms;
  ASSERT_TRUE(breaker_.tryAcquire().allowed);
  EXPECT_FALSE(breaker_.onFailure()) << "not a new outage";
  EXPECT_EQ(breaker_.state(), State::kOpen);
  now_ += 999ms;
  EXPECT_FALSE(breaker_.tryAcquire().allowed);
  now_ += 1ms;
  EXPECT_TRUE(breaker_.tryAcquire().allowed);
}

TEST_F(CircuitBreakerTest, ASlowProbeIsTheOnlyOneWhileItRuns) {
  fail(3);
  now_ += 1000ms;
  ASSERT_TRUE(breaker_.tryAcquire().allowed) << "the probe; A holds it for a minute";
  for (int period = 0; period < 59; ++period) {
    now_ += 1000ms;
    const auto refused = breaker_.tryAcquire();
    ASSERT_FALSE(refused.allowed) << "a second probe after " << period + 1 << " periods";
    EXPECT_EQ(refused.retryIn, 1000ms) << "waiters look again every openFor";
  }
  EXPECT_TRUE(breaker_.onSuccess());
  EXPECT_TRUE(breaker_.tryAcquire().allowed);
}

TEST_F(CircuitBreakerTest, AProbeThatNeverReportsIsReplacedAfterTheProbeTimeout) {
  fail(3);
  now_ += 1000ms;
  ASSERT_TRUE(breaker_.tryAcquire().allowed);  // its caller stops and never reports
  now_ += 120s - 1ms;
  EXPECT_FALSE(breaker_.tryAcquire().allowed);
  now_ += 1ms;
  EXPECT_TRUE(breaker_.tryAcquire().allowed) << "the lost probe is replaced";
  EXPECT_FALSE(breaker_.tryAcquire().allowed) << "by one probe";
}

TEST(CircuitBreaker, AThresholdOfZeroDisablesIt) {
  CircuitBreaker breaker(CircuitBreakerOptions{0, 1000ms});
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(breaker.tryAcquire().allowed);
    EXPECT_FALSE(breaker.onFailure());
  }
  EXPECT_EQ(breaker.state(), State::kClosed);
}

}  // namespace
}  // namespace cpe
