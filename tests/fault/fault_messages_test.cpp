// Messages that should not be there: duplicate deliveries of tasks and of
// results (copies published straight to the queues, as a redelivery or a
// double publish would put them), and poison messages on both queues.
#include <algorithm>
#include <thread>

#include "fault_fixture.h"
#include "password_leaks.h"

namespace cpe::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kTasks = 50;
constexpr const char* kWhen = "2026-11-28T22:10:00.000Z";

// A task message for `task` as a version 1 producer publishes it
// (api-contract.md): its parameters in the clear, with a password of its own
// that the leak check looks for in logs and stores, not in the broker
// (password_leaks.h).
std::string taskMessage(const PostedTask& task) {
  return R"({"version":1,"taskId":")" + task.taskId + R"(","equipmentId":")" + task.device +
         R"(","timeoutInSeconds":14,"parameters":{"username":"admin","password":")" +
         kClearMessagePassword + R"(","vlan":534,"interfaces":[1,2]},"createdAt":")" + kWhen +
         R"("})";
}

// A result message for `task` as a worker publishes it.
std::string resultMessage(const PostedTask& task, const std::string& status, int code,
                          const std::string& message) {
  return R"({"version":1,"taskId":")" + task.taskId + R"(","equipmentId":")" + task.device +
         R"(","status":")" + status + R"(","code":)" + std::to_string(code) + R"(,"message":")" +
         message + R"(","attempts":1,"finishedAt":")" + kWhen + R"("})";
}

class MessageFault : public FaultTest, public ::testing::WithParamInterface<Backends> {
 protected:
  // Waits until the hosts' logs hold `count` lines matching `pattern` for the
  // ids of `tasks`; returns how many there were.
  std::size_t awaitTaskLines(const std::vector<PostedTask>& tasks, const std::string& pattern,
                             std::size_t count) {
    const auto deadline = Clock::now() + 30s;
    std::size_t found = 0;
    while (true) {
      const auto lines = countTaskLines(hostLogs(), pattern);
      found = 0;
      for (const auto& task : tasks) {
        const auto it = lines.find(task.taskId);
        if (it != lines.end()) found += static_cast<std::size_t>(it->second);
      }
      if (found >= count || Clock::now() > deadline) return found;
      std::this_thread::sleep_for(100ms);
    }
  }
};

TEST_P(MessageFault, DuplicateTasksAndResultsMakeExactlyOneTerminalTransition) {
  useBackends(GetParam());
  stub_ = startStub(0.2);
  auto host = startHost("host");

  // Tasks already terminal: copies of their task and result messages, and a
  // contradicting result, change nothing and never reach A.
  const PostOutcome finished = postTasks(host->api(), kTasks, 8);
  ASSERT_EQ(finished.accepted.size(), static_cast<std::size_t>(kTasks));
  ASSERT_TRUE(awaitTerminalInStore(finished.accepted, 60s));
  const int callsBefore = stub_->stats()->getValue<int>("received");
  for (const auto& task : finished.accepted) {
    publishRaw(queues().tasks, taskMessage(task));
    publishRaw(queues().results, resultMessage(task, "completed", 200, "success"));
    publishRaw(queues().results,
               resultMessage(task, "failed", 500, "Internal provisioning exception"));
  }
  EXPECT_EQ(awaitTaskLines(finished.accepted,
                           "task ([0-9a-f-]{36}) already terminal; acknowledged without calling A",
                           kTasks),
            static_cast<std::size_t>(kTasks));
  EXPECT_EQ(awaitTaskLines(finished.accepted,
                           "task ([0-9a-f-]{36}) already terminal; duplicate result ignored",
                           std::size_t{2} * kTasks),
            static_cast<std::size_t>(2 * kTasks));
  EXPECT_EQ(stub_->stats()->getValue<int>("received"), callsBefore) << "A was called again";

  // Tasks still running: a copy of each task message arrives at once. A may
  // be called twice for such a task, never more; it still ends once.
  const PostOutcome running = postTasks(host->api(), kTasks, 8, kTasks);
  ASSERT_EQ(running.accepted.size(), static_cast<std::size_t>(kTasks));
  for (const auto& task : running.accepted) publishRaw(queues().tasks, taskMessage(task));
  ASSERT_TRUE(awaitTerminalInStore(running.accepted, 60s));

  std::vector<PostedTask> all = finished.accepted;
  all.insert(all.end(), running.accepted.begin(), running.accepted.end());
  account("duplicate task and result deliveries", all, host->api(), 200);
  const int calls = stub_->stats()->getValue<int>("received") - callsBefore;
  EXPECT_GE(calls, kTasks);
  EXPECT_LE(calls, 2 * kTasks) << "A called more than twice for some task";
}

TEST_P(MessageFault, PoisonMessagesOnBothQueuesAreDeadLetteredAndGoodOnesStillFlow) {
  const std::vector<std::string> poisonTasks{"this is not a task", "{}", "[1,2,3]",
                                             R"({"version":1,"taskId":"abc"})",
                                             std::string("\xff\xfe garbage", 10)};
  const std::vector<std::string> poisonResults{
      "not a result", "{}", R"({"version":1,"taskId":"x"})",
      // well formed, for a task nobody has
      resultMessage({"ABC123", "00000000-0000-4000-8000-000000000000"}, "completed", 200,
                    "success")};
  useBackends(GetParam());
  stub_ = startStub(0.2);
  auto host = startHost("host");
  ASSERT_TRUE(host->awaitReady()) << host->log();  // its queues exist: nothing published is lost
  for (const auto& body : poisonTasks) publishRaw(queues().tasks, body);
  for (const auto& body : poisonResults) publishRaw(queues().results, body);

  const PostOutcome good = postTasks(host->api(), kTasks, 8, 1);
  ASSERT_EQ(good.accepted.size(), static_cast<std::size_t>(kTasks));
  account("poison messages on both queues", good.accepted, host->api(), 200);

  const std::size_t poisoned = poisonTasks.size() + poisonResults.size();
  std::vector<std::string> dead;
  const auto deadline = Clock::now() + 30s;
  while (dead.size() < poisoned && Clock::now() < deadline) {
    const auto more = drainQueue(queues().dead);
    dead.insert(dead.end(), more.begin(), more.end());
    if (dead.size() < poisoned) std::this_thread::sleep_for(100ms);
  }
  std::vector<std::string> expected = poisonTasks;
  expected.insert(expected.end(), poisonResults.begin(), poisonResults.end());
  std::sort(expected.begin(), expected.end());
  std::sort(dead.begin(), dead.end());
  EXPECT_EQ(dead, expected) << "every poison message, and only those, is dead-lettered";
}

// A result the store refuses for good (PostgreSQL text holds no NUL) must
// not leave its task queued for ever: the task fails (500) and the refused
// message is dead-lettered. A holds each call for 30 s, so the forged
// results come first; the workers' own ones later change nothing.
class RefusedResultFault : public FaultTest {};

TEST_F(RefusedResultFault, AResultThePostgresStoreRefusesFailsItsTask) {
  useBackends({"postgres", "rabbitmq"});
  stub_ = startStub(30.0);
  auto host = startHost("host");
  const PostOutcome posted = postTasks(host->api(), 5, 5);
  ASSERT_EQ(posted.accepted.size(), 5u);
  ASSERT_TRUE(host->awaitReady()) << host->log();
  for (const auto& task : posted.accepted) {
    publishRaw(queues().results, resultMessage(task, "completed", 200, "bad\\u0000text"));
  }
  account("a result the store refuses (NUL in its text) fails its task (500)", posted.accepted,
          host->api(), 500, 60s);
  EXPECT_NE(host->log().find("the store refused its result"), std::string::npos);
  std::vector<std::string> dead;
  const auto deadline = Clock::now() + 30s;
  while (dead.size() < posted.accepted.size() && Clock::now() < deadline) {
    const auto more = drainQueue(queues().dead);
    dead.insert(dead.end(), more.begin(), more.end());
    if (dead.size() < posted.accepted.size()) std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(dead.size(), posted.accepted.size()) << "each refused result is dead-lettered";
}

INSTANTIATE_TEST_SUITE_P(Brokers, MessageFault,
                         ::testing::Values(Backends{"sqlite", "rabbitmq"},
                                           Backends{"sqlite", "proton"},
                                           Backends{"postgres", "rabbitmq"}),
                         [](const auto& param) { return param.param.name(); });

}  // namespace
}  // namespace cpe::testing
