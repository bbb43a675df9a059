// Host processes dying: a worker-only host killed with SIGKILL mid-call, the
// API host killed with SIGKILL mid-post, and a host stopped with SIGTERM under
// load. No task that got HTTP 200 may be lost or finished twice.
#include <csignal>
#include <future>
#include <thread>

#include "fault_fixture.h"

namespace cpe::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kSigKilled = 128 + SIGKILL;

// How many lines of `host`'s log (all its runs) name a task it finished.
std::size_t finishedTasks(RunningHost& host) {
  const std::string log = host.log();
  std::size_t finished = 0;
  for (auto at = log.find(": completed 200 after"); at != std::string::npos;
       at = log.find(": completed 200 after", at + 1)) {
    ++finished;
  }
  return finished;
}

// Waits until `host` has finished more than `before` tasks.
bool awaitFinishedTasks(RunningHost& host, std::size_t before, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (finishedTasks(host) > before) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

// Waits until `host` has stored at least `count` tasks (cpe_tasks_created_total).
bool awaitTasksCreated(const RunningHost& host, int count, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (metricValue(host.api().get("/metrics").body, "cpe_tasks_created_total").value_or(0) <
         count) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

class WorkerKill : public FaultTest, public ::testing::WithParamInterface<Backends> {};

TEST_P(WorkerKill, AWorkerKilledMidCallTwiceHasItsTasksRedeliveredAndCompleted) {
  constexpr int kTasks = 300;
  const std::vector<std::string> workerRole{"host.roles=worker", "worker.threads=16"};
  useBackends(GetParam());
  stub_ = startStub(1.0);
  auto api = startHost("api", {"host.roles=api,results"});
  auto steady = startHost("steady-worker", workerRole);
  auto victim = startHost("victim-worker", workerRole);
  const PostOutcome posted = postTasks(api->api(), kTasks);
  ASSERT_EQ(posted.accepted.size(), static_cast<std::size_t>(kTasks));

  for (int kill = 0; kill < 2; ++kill) {
    // Once the victim has finished a task its other threads are mid-call,
    // as long as tasks are left for them.
    ASSERT_TRUE(awaitFinishedTasks(*victim, finishedTasks(*victim), 30s)) << victim->log();
    ASSERT_LT(countTerminal(posted.accepted), kTasks)
        << "precondition: kill " << kill << " must land while tasks are still in flight";
    EXPECT_EQ(victim->process().stop(SIGKILL), kSigKilled);
    // Restarted once; after the second kill the steady worker finishes alone.
    if (kill == 0) victim = startHost("victim-worker", workerRole);
  }
  account("worker host SIGKILLed mid-call twice", posted.accepted, api->api(), 200);
  // The killed host's calls in flight were made again by a live worker.
  EXPECT_GT(stub_->stats()->getValue<int>("received"), kTasks);
  EXPECT_EQ(steady->process().stop(SIGTERM), 0) << steady->log();
}

INSTANTIATE_TEST_SUITE_P(Brokers, WorkerKill,
                         ::testing::Values(Backends{"sqlite", "rabbitmq"},
                                           Backends{"sqlite", "proton"}),
                         [](const auto& param) { return param.param.name(); });

class ApiKill : public FaultTest, public ::testing::WithParamInterface<Backends> {};

TEST_P(ApiKill, AnApiHostKilledMidPostAndRestartedCompletesEveryAcceptedTask) {
  constexpr int kFirstBurst = 400;
  constexpr int kSecondBurst = 100;
  useBackends(GetParam());
  stub_ = startStub(0.2);
  // Results are applied by the host that lives: a SIGKILL between a store
  // commit and its log line would hide an applied result from the count.
  auto worker = startHost("worker", {"host.roles=worker,results"});
  auto api = startHost("api", {"host.roles=api"});
  // Eight clients posting for a few seconds (50 POSTs each, 50 ms apart);
  // the host dies under them once it has stored some of their tasks.
  auto posting = std::async(std::launch::async,
                            [&api] { return postTasks(api->api(), kFirstBurst, 8, 0, 50ms); });
  const bool stored = awaitTasksCreated(*api, kFirstBurst / 4, 60s);
  const bool stillPosting = posting.wait_for(0s) == std::future_status::timeout;
  EXPECT_EQ(api->process().stop(SIGKILL), kSigKilled);
  PostOutcome first = posting.get();
  ASSERT_TRUE(stored) << "the API host stored too few tasks\n" << api->log();
  ASSERT_TRUE(stillPosting) << "precondition: the kill must land while clients are posting";
  EXPECT_GT(first.refusedByStatus[0], 0) << "the kill did not land while clients were posting";

  api = startHost("api", {"host.roles=api"});
  const PostOutcome second = postTasks(api->api(), kSecondBurst, 8, kFirstBurst);
  EXPECT_EQ(second.accepted.size(), static_cast<std::size_t>(kSecondBurst));
  std::vector<PostedTask> accepted = first.accepted;
  accepted.insert(accepted.end(), second.accepted.begin(), second.accepted.end());
  account("API host SIGKILLed mid-post and restarted", accepted, api->api(), 200);
}

INSTANTIATE_TEST_SUITE_P(Stores, ApiKill,
                         ::testing::Values(Backends{"sqlite", "rabbitmq"},
                                           Backends{"postgres", "rabbitmq"}),
                         [](const auto& param) { return param.param.name(); });

class GracefulStop : public FaultTest, public ::testing::WithParamInterface<Backends> {};

TEST_P(GracefulStop, SigtermUnderLoadExitsZeroAndARestartedHostFinishesEverything) {
  constexpr int kTasks = 200;
  // 16 workers and A's 1 s: the load lasts over 10 s, so the stop lands in
  // it; calls in flight get 3 s to finish, the rest go back to the queue.
  const std::vector<std::string> defines{"worker.threads=16", "host.shutdownGraceSeconds=3"};
  useBackends(GetParam());
  stub_ = startStub(1.0);
  auto host = startHost("host", defines);
  const PostOutcome posted = postTasks(host->api(), kTasks);
  ASSERT_EQ(posted.accepted.size(), static_cast<std::size_t>(kTasks));
  ASSERT_TRUE(stub_->awaitHeld(16, 30s));
  EXPECT_EQ(host->process().stop(SIGTERM, 60s), 0) << host->log();
  ASSERT_LT(countTerminal(posted.accepted), kTasks)
      << "precondition: the stop must land while tasks are still in flight";

  host = startHost("host", defines);
  account("SIGTERM under load, then restart", posted.accepted, host->api(), 200);
}

INSTANTIATE_TEST_SUITE_P(Brokers, GracefulStop,
                         ::testing::Values(Backends{"sqlite", "rabbitmq"},
                                           Backends{"sqlite", "proton"}),
                         [](const auto& param) { return param.param.name(); });

}  // namespace
}  // namespace cpe::testing
