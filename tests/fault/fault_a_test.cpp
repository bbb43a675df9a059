// Service A away: not started yet when the tasks arrive, or gone for longer
// than the workers' retry budget. A concerns neither the store nor the
// broker: one durable pairing (SQLite, RabbitMQ) is enough.
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "fault_fixture.h"

namespace cpe::testing {
namespace {

constexpr int kLateStartTasks = 200;
constexpr int kUnreachableTasks = 100;

class AFault : public FaultTest {};

// Waits until `host` reports `count` tasks queued for longer than `ageSeconds`
// (host.stuckTaskAgeSeconds) in its log.
bool awaitStuckReport(const RunningHost& host, int count, int ageSeconds,
                      std::chrono::seconds limit) {
  const std::string line = std::to_string(count) + " task(s) queued for longer than " +
                           std::to_string(ageSeconds) + " s;";
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (host.log().find(line) == std::string::npos) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(200ms);
  }
  return true;
}

// What a process holds now, from /proc.
struct Holdings {
  int openFiles = 0;
  int threads = 0;
};

Holdings holdingsOf(pid_t pid) {
  Holdings held;
  const std::string proc = "/proc/" + std::to_string(pid);
  for (const auto& entry : std::filesystem::directory_iterator(proc + "/fd")) {
    (void)entry;
    ++held.openFiles;
  }
  std::ifstream status(proc + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Threads:", 0) == 0) held.threads = std::stoi(line.substr(8));
  }
  return held;
}

TEST_F(AFault, TasksArrivingBeforeAStartsCompleteOnceItStarts20SecondsLater) {
  const std::uint16_t port = freeLoopbackPort();  // where A will listen, later
  // The host's stuck-task report, every second, says when every task has
  // waited 20 s: then A starts.
  auto host = startHost("host", port,
                        {"worker.retryBudgetSeconds=90", "worker.retryMaxBackoffMs=2000",
                         "host.stuckTaskAgeSeconds=20", "host.stuckTaskCheckSeconds=1"});
  const PostOutcome posted = postTasks(host->api(), kLateStartTasks);
  ASSERT_EQ(posted.accepted.size(), static_cast<std::size_t>(kLateStartTasks));

  // A task that ended while A was not there would be missing from the count.
  EXPECT_TRUE(awaitStuckReport(*host, kLateStartTasks, 20, 90s))
      << "not every task waited 20 s for A\n"
      << host->log();
  EXPECT_EQ(countTerminal(posted.accepted), 0) << "a task ended while A was not there";
  const HttpResult waiting = host->api().get(taskStatusPath(posted.accepted.front()));
  EXPECT_EQ(waiting.status, 202) << "a task ended while A was not there: " << waiting.body;

  stub_ = startStub(0.2, {"-Dstub.https.port=" + std::to_string(port)});
  account("A started 20 s after the tasks", posted.accepted, host->api(), 200);
  EXPECT_NE(host->log().find("retrying in"), std::string::npos) << "no call was retried";
  EXPECT_GE(stub_->stats()->getValue<int>("received"), kLateStartTasks);
}

TEST_F(AFault, ADownLongerThanTheRetryBudgetEndsEveryTaskInternalProvisioningException) {
  // Nothing listens on this port: every call is refused at once.
  auto host = startHost("host", freeLoopbackPort(), {"worker.retryBudgetSeconds=3"});
  const PostOutcome posted = postTasks(host->api(), kUnreachableTasks);
  ASSERT_EQ(posted.accepted.size(), static_cast<std::size_t>(kUnreachableTasks));

  account("A down past the retry budget", posted.accepted, host->api(), 500);
  const HttpResult one = host->api().get(taskStatusPath(posted.accepted.back()));
  EXPECT_EQ(one.body, R"({"code":500,"message":"Internal provisioning exception"})");
  const auto gaveUp = countTaskLines({host->log()}, "task ([0-9a-f-]{36}): giving up after");
  EXPECT_EQ(gaveUp.size(), static_cast<std::size_t>(kUnreachableTasks))
      << "every task must say why it failed";
}

TEST_F(AFault, ManyFailedCallsLeakNeitherConnectionsNorThreads) {
  // No breaker and short backoffs: every task fails call after call.
  auto host = startHost("host", freeLoopbackPort(),
                        {"worker.retryBudgetSeconds=3", "worker.breakerFailureThreshold=0",
                         "worker.retryInitialBackoffMs=20", "worker.retryMaxBackoffMs=200"});
  // A first round warms every pool up (API threads, store connections).
  const PostOutcome first = postTasks(host->api(), kUnreachableTasks);
  account("A refusing every call: round 1", first.accepted, host->api(), 500);
  const Holdings warm = holdingsOf(host->process().pid());

  const PostOutcome second = postTasks(host->api(), kUnreachableTasks, 16, kUnreachableTasks);
  account("A refusing every call: round 2", second.accepted, host->api(), 500);
  const Holdings after = holdingsOf(host->process().pid());
  const auto failedCalls =
      countTaskLines({host->log()}, "task ([0-9a-f-]{36}): call [0-9]+ failed");
  int calls = 0;
  for (const auto& [task, count] : failedCalls) calls += count;
  std::cout << "failed calls: " << calls << " (by " << failedCalls.size() << " tasks); open files "
            << warm.openFiles << " -> " << after.openFiles << ", threads " << warm.threads << " -> "
            << after.threads << std::endl;
  EXPECT_EQ(failedCalls.size(), static_cast<std::size_t>(2 * kUnreachableTasks))
      << "every task retried at least once";
  // A connection leaked per failed call would add hundreds.
  EXPECT_LE(after.openFiles, warm.openFiles + 8);
  EXPECT_LE(after.threads, warm.threads + 4);
}

}  // namespace
}  // namespace cpe::testing
