// Service A away: not started yet when the tasks arrive, or gone for longer
// than the workers' retry budget. A concerns neither the store nor the
// broker: one durable pairing (SQLite, RabbitMQ) is enough.
#include <thread>

#include "fault_fixture.h"

namespace cpe::testing {
namespace {

constexpr int kLateStartTasks = 200;
constexpr int kUnreachableTasks = 100;

class AFault : public FaultTest {};

TEST_F(AFault, TasksArrivingBeforeAStartsCompleteOnceItStarts20SecondsLater) {
  const std::uint16_t port = freeLoopbackPort();  // where A will listen, later
  auto host =
      startHost("host", port, {"worker.retryBudgetSeconds=90", "worker.retryMaxBackoffMs=2000"});
  const PostOutcome posted = postTasks(host->api(), kLateStartTasks);
  ASSERT_EQ(posted.accepted.size(), static_cast<std::size_t>(kLateStartTasks));

  std::this_thread::sleep_for(20s);
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

}  // namespace
}  // namespace cpe::testing
