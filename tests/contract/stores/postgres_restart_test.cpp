// The postgres store rides out a PostgreSQL restart and an outage: calls
// answer UNAVAILABLE (never another error) while the server is away, and
// succeed again once it is back, on the same store object. These tests stop
// the shared server, so CTest runs them serially (see CMakeLists.txt).

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>
#include <tuple>

#include "store_fixture.h"

namespace cpe::testing {
namespace {

constexpr EpochMillis kT0 = 1'700'000'000'000;
constexpr auto kRecoveryBound = std::chrono::seconds(30);

using Clock = std::chrono::steady_clock;

bool cluster(const char* action) {
  const std::string command = std::string("pg_ctlcluster 15 main ") + action + " 2>&1";
  return std::system(command.c_str()) == 0;
}

class PostgresRestart : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = factory_.createOrFail();
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->insert(makeTask("before", kT0)).isOk());
  }
  // Whatever happened, the next test finds the server up.
  void TearDown() override {
    if (std::system("pg_ctlcluster 15 main status >/dev/null 2>&1") != 0) cluster("start");
  }

  // Polls get() until it succeeds; every failure on the way must be
  // UNAVAILABLE. False when the bound passes first.
  bool recovers() {
    const auto deadline = Clock::now() + kRecoveryBound;
    while (Clock::now() < deadline) {
      auto task = store_->get("before");
      if (task.isOk()) return true;
      EXPECT_EQ(task.status().code(), StatusCode::kUnavailable) << task.status().toString();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  StoreFactory factory_{"postgres"};
  std::unique_ptr<TaskStore> store_;
};

TEST_F(PostgresRestart, StoreWorksAgainAfterTheServerRestartsWithoutBeingRecreated) {
  ASSERT_TRUE(cluster("restart"));
  ASSERT_TRUE(recovers());
  Status inserted = store_->insert(makeTask("after", kT0 + 1));
  EXPECT_TRUE(inserted.isOk()) << inserted.toString();
  EXPECT_TRUE(store_->ping().isOk());
  auto outbox = store_->unpublished(10, kT0 + 10);
  ASSERT_TRUE(outbox.isOk()) << outbox.status().toString();
  EXPECT_EQ(outbox.value().size(), 2u);
}

TEST_F(PostgresRestart, CallsDuringAnOutageAnswerUnavailableWithoutHanging) {
  ASSERT_TRUE(cluster("stop"));
  // Answered, not hung: a call still waiting after this bound never would be.
  auto calling = std::async(std::launch::async, [this] {
    Status inserted = store_->insert(makeTask("during", kT0 + 1));
    auto got = store_->get("before");
    Status pinged = store_->ping();
    return std::make_tuple(inserted, got, pinged);
  });
  const bool answered = calling.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
  if (!answered) cluster("start");  // lets a hung call end, and the test with it
  ASSERT_TRUE(answered) << "a call waited on a server that is down";
  const auto [inserted, got, pinged] = calling.get();
  EXPECT_EQ(inserted.code(), StatusCode::kUnavailable) << inserted.toString();
  ASSERT_FALSE(got.isOk());
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable) << got.status().toString();
  EXPECT_EQ(pinged.code(), StatusCode::kUnavailable) << pinged.toString();

  ASSERT_TRUE(cluster("start"));
  ASSERT_TRUE(recovers());
  Status retried = store_->insert(makeTask("during", kT0 + 1));
  EXPECT_TRUE(retried.isOk()) << retried.toString();
}

}  // namespace
}  // namespace cpe::testing
