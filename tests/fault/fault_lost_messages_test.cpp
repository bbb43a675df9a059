// Task messages the broker loses after confirming them: the tasks queue is
// purged while no worker runs. The host's reconciler must publish them again
// (and, once they are lost too often, fail them), and must leave alone tasks
// that only wait behind a backlog.
#include <cstdlib>

#include "fault_fixture.h"
#include "wait_for.h"

namespace cpe::testing {
namespace {

using cpe::test::waitFor;

constexpr int kTasks = 40;

// A host without workers, so tasks stay in the queue: holds of 3 s (a task is
// answered or given up 3 s after its delivery), a margin of 1 s, a check a
// second, and a stuck-task report once a task is 8 s old, by which time the
// reconciler has had every chance to take a waiting task for a lost one.
std::vector<std::string> apiHostSettings(int republishes) {
  return {"host.roles=api,results",
          "worker.maxHoldSeconds=3",
          "worker.callTimeoutSeconds=1",
          "worker.retryBudgetSeconds=1",
          "host.lostTaskCheckSeconds=1",
          "host.lostTaskMarginSeconds=1",
          "host.lostTaskRepublishes=" + std::to_string(republishes),
          "host.stuckTaskAgeSeconds=8",
          "host.stuckTaskCheckSeconds=1"};
}

void purge(const std::string& queue) {
  const std::string command = "rabbitmqctl -q purge_queue '" + queue + "' >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

bool logHolds(const RunningHost& host, const std::string& text) {
  return waitFor([&] { return host.log().find(text) != std::string::npos; },
                 std::chrono::seconds(60));
}

class LostMessages : public FaultTest, public ::testing::WithParamInterface<Backends> {
 protected:
  // Posts kTasks and waits until their messages wait in the tasks queue,
  // long enough to be reported stuck, none of them published again.
  PostOutcome postAndLetThemWait(const RunningHost& host) {
    PostOutcome posted = postTasks(host.api(), kTasks, 8);
    EXPECT_EQ(posted.accepted.size(), static_cast<std::size_t>(kTasks));
    EXPECT_TRUE(host.awaitMetric("cpe_broker_tasks_ready", kTasks)) << host.log();
    EXPECT_TRUE(logHolds(host, "waiting behind a backlog: the tasks queue holds " +
                                   std::to_string(kTasks) + " ready message(s)"))
        << host.log();
    EXPECT_TRUE(host.awaitMetric("cpe_tasks_republished_total", 0, std::chrono::seconds(1)))
        << "tasks waiting behind a backlog were published again\n"
        << host.log();
    return posted;
  }
};

TEST_P(LostMessages, PurgedTaskMessagesArePublishedAgainAndEachTaskEndsOnce) {
  useBackends(GetParam());
  stub_ = startStub(0.2);
  auto api = startHost("api", apiHostSettings(3));
  ASSERT_TRUE(api->awaitReady()) << api->log();
  const PostOutcome posted = postAndLetThemWait(*api);

  purge(queues().tasks);
  ASSERT_TRUE(api->awaitMetric("cpe_tasks_republished_total", kTasks)) << api->log();
  EXPECT_TRUE(logHolds(*api, "lost by the broker")) << api->log();
  ASSERT_TRUE(api->awaitMetric("cpe_broker_tasks_ready", kTasks)) << api->log();

  auto worker = startHost("worker", {"host.roles=worker"});
  account("tasks queue purged: every task published again", posted.accepted, api->api(), 200);
  EXPECT_TRUE(api->awaitMetric("cpe_tasks_lost_total", 0, std::chrono::seconds(1)));
}

TEST_P(LostMessages, ATaskLostMoreOftenThanItMayBeRepublishedFails) {
  useBackends(GetParam());
  stub_ = startStub(0.2);
  auto api = startHost("api", apiHostSettings(0));
  ASSERT_TRUE(api->awaitReady()) << api->log();
  const PostOutcome posted = postAndLetThemWait(*api);

  purge(queues().tasks);
  account("tasks queue purged, no republish allowed: every task fails", posted.accepted,
          api->api(), 500);
  EXPECT_TRUE(api->awaitMetric("cpe_tasks_lost_total", kTasks)) << api->log();
  EXPECT_TRUE(logHolds(*api, "its message was lost by the broker 1 time(s)")) << api->log();
}

// AMQP 1.0 cannot count a queue: the host says it cannot tell waiting from
// lost, and touches nothing.
class UncountedLostMessages : public FaultTest {};

TEST_F(UncountedLostMessages, OverAmqp10TheStuckReportSaysItCannotTell) {
  useBackends({"sqlite", "proton"});
  stub_ = startStub(0.2);
  auto api = startHost("api", apiHostSettings(3));
  ASSERT_TRUE(api->awaitReady()) << api->log();
  const PostOutcome posted = postTasks(api->api(), 5, 5);
  ASSERT_EQ(posted.accepted.size(), 5u);
  EXPECT_TRUE(logHolds(*api, "cannot be told from waiting ones")) << api->log();
  EXPECT_TRUE(logHolds(*api, "waiting or lost: the broker plugin cannot count the tasks queue"))
      << api->log();

  auto worker = startHost("worker", {"host.roles=worker"});
  account("AMQP 1.0: tasks that waited are done once a worker starts", posted.accepted,
          api->api(), 200);
  EXPECT_TRUE(api->awaitMetric("cpe_tasks_republished_total", 0, std::chrono::seconds(1)));
}

INSTANTIATE_TEST_SUITE_P(Brokers, LostMessages,
                         ::testing::Values(Backends{"sqlite", "rabbitmq"},
                                           Backends{"postgres", "rabbitmq"}),
                         [](const auto& param) { return param.param.name(); });

}  // namespace
}  // namespace cpe::testing
