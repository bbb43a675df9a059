// RabbitMQ stopped and started twice while 500 tasks are queued and in
// flight, over both broker plugins, with a durable store; RabbitMQ SIGKILLed
// under load; and a tasks queue held by another client.
#include <cstdlib>
#include <iostream>
#include <thread>

#include "fault_fixture.h"
#include "own_rabbitmq.h"

namespace cpe::testing {
namespace {

constexpr int kTasks = 500;

class BrokerFault : public FaultTest, public ::testing::WithParamInterface<Backends> {
 protected:
  // Waits until more than `before` of `tasks` are terminal in the store.
  bool awaitMoreTerminal(const std::vector<PostedTask>& tasks, int before,
                         std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (countTerminal(tasks) <= before) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(100ms);
    }
    return true;
  }

  // Waits until the host's /readyz answers `status`.
  static bool awaitReadiness(const RunningHost& host, int status,
                             std::chrono::seconds limit = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (host.api().get("/readyz").status != status) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(50ms);
    }
    return true;
  }
};

TEST_P(BrokerFault, RabbitMqRestartedTwiceUnderLoadLosesAndDuplicatesNothing) {
  useBackends(GetParam());
  // A holds each call for 1 s: 500 tasks on 32 workers keep the queue busy
  // for over 15 s, across both outages.
  stub_ = startStub(1.0);
  auto host = startHost("host", {"worker.threads=32"});
  const PostOutcome posted = postTasks(host->api(), kTasks);
  ASSERT_EQ(posted.accepted.size(), static_cast<std::size_t>(kTasks));

  int terminal = 0;
  for (int outage = 0; outage < 2; ++outage) {
    // Work flows end to end (before the first outage: since the start; before
    // the second: again, after the first), and is not done yet: the outage
    // lands on tasks queued and in flight.
    ASSERT_TRUE(awaitMoreTerminal(posted.accepted, terminal, 60s))
        << "no task finished before outage " << outage + 1 << "\n"
        << host->log();
    terminal = countTerminal(posted.accepted);
    std::cout << "  outage " << outage + 1 << " begins with " << terminal << " task(s) terminal\n";
    ASSERT_LT(terminal, kTasks) << "precondition: outage " << outage + 1
                                << " must begin while tasks are still in flight";
    stopRabbitMq();
    EXPECT_TRUE(awaitReadiness(*host, 503)) << "the host never noticed the broker was gone";
    startRabbitMq();
    EXPECT_TRUE(host->awaitReady()) << "the host did not reconnect\n" << host->log();
  }
  account("RabbitMQ restarted twice under load", posted.accepted, host->api(), 200, 240s);
  EXPECT_EQ(host->api().get("/readyz").status, 200);
}

// Another client holds the tasks queue as its exclusive queue, so the host
// can neither declare nor consume it: the host must say which queue, in its
// log and in its readiness answer, and carry on once the queue is free.
class LockedQueueFault : public FaultTest {};

TEST_F(LockedQueueFault, AQueueTheHostCannotUseIsNamedInTheLogAndReadiness) {
  const std::string tasksQueue = queues().tasks;
  const std::string pidFile = freshDir("locker") + "/pid";
  // amqp-consume declares the queue exclusive to its connection and holds it.
  const std::string lock = "amqp-consume --server=127.0.0.1 -x -q '" + tasksQueue +
                           "' cat >/dev/null 2>&1 & echo $! >'" + pidFile + "'";
  ASSERT_EQ(std::system(lock.c_str()), 0);
  const auto unlock = [&] {
    const std::string kill = "kill $(cat '" + pidFile + "') 2>/dev/null";
    return std::system(kill.c_str());
  };
  const auto lockedAt = std::chrono::steady_clock::now();
  while (std::system(("rabbitmqctl -q list_queues name | grep -qx '" + tasksQueue + "'").c_str()) !=
         0) {
    ASSERT_LT(std::chrono::steady_clock::now() - lockedAt, 30s) << "the queue was never locked";
    std::this_thread::sleep_for(200ms);
  }

  stub_ = startStub(0.2);
  auto host = startHost("host");
  HttpResult readiness;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  do {
    readiness = host->api().get("/readyz");
    if (readiness.body.find(tasksQueue) != std::string::npos) break;
    std::this_thread::sleep_for(200ms);
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(readiness.status, 503);
  EXPECT_NE(readiness.body.find(tasksQueue), std::string::npos) << readiness.body;
  EXPECT_NE(host->log().find(tasksQueue), std::string::npos) << host->log();

  EXPECT_EQ(unlock(), 0);
  ASSERT_TRUE(host->awaitReady()) << host->log();
  const PostOutcome posted = postTasks(host->api(), 20);
  account("tasks queue locked by another client at start, then freed", posted.accepted,
          host->api(), 200);
}

INSTANTIATE_TEST_SUITE_P(Brokers, BrokerFault,
                         ::testing::Values(Backends{"sqlite", "rabbitmq"},
                                           Backends{"sqlite", "proton"}),
                         [](const auto& param) { return param.param.name(); });

// RabbitMQ's VM SIGKILLed under load, its queues a few seconds old, then
// started again on its data: on a node of the test's own, so that no other
// test loses its broker. Nothing accepted is lost, over both plugins.
class KilledBroker : public FaultTest, public ::testing::WithParamInterface<Backends> {
 protected:
  OwnRabbitMq rabbitMq_;
};

TEST_P(KilledBroker, RabbitMqSigkilledUnderLoadLosesNothing) {
  useBackends(GetParam());
  if (GetParam().broker == "proton") declareQueues(queues(), rabbitMq_.port());
  stub_ = startStub(1.0);
  std::vector<std::string> defines = rabbitMq_.brokerDefines(GetParam());
  defines.push_back("worker.threads=32");
  auto host = startHost("host", defines);
  ASSERT_TRUE(host->awaitReady()) << host->log();
  const PostOutcome posted = postTasks(host->api(), kTasks);
  ASSERT_EQ(posted.accepted.size(), static_cast<std::size_t>(kTasks));
  // Two rounds of calls done: the load is under way, most of it still queued.
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (countTerminal(posted.accepted) < 64 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  const int terminalBefore = countTerminal(posted.accepted);
  ASSERT_GE(terminalBefore, 64) << "the workers never got going";
  ASSERT_LT(terminalBefore, kTasks) << "nothing was left in flight to kill under";

  rabbitMq_.kill();
  rabbitMq_.start();
  account("RabbitMQ SIGKILLed under load, restarted on its data", posted.accepted, host->api(),
          200, 240s);
  EXPECT_TRUE(host->awaitReady()) << host->log();
}

INSTANTIATE_TEST_SUITE_P(Brokers, KilledBroker,
                         ::testing::Values(Backends{"sqlite", "rabbitmq"},
                                           Backends{"sqlite", "proton"}),
                         [](const auto& param) { return param.param.name(); });

}  // namespace
}  // namespace cpe::testing
