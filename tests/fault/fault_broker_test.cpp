// RabbitMQ stopped and started twice while 500 tasks are queued and in
// flight, over both broker plugins, with a durable store.
#include <iostream>
#include <thread>

#include "fault_fixture.h"

namespace cpe::testing {
namespace {

constexpr int kTasks = 500;

class BrokerFault : public FaultTest, public ::testing::WithParamInterface<Backends> {};

TEST_P(BrokerFault, RabbitMqRestartedTwiceUnderLoadLosesAndDuplicatesNothing) {
  useBackends(GetParam());
  // A holds each call for 1 s: 500 tasks on 32 workers keep the queue busy
  // for over 15 s, across both outages.
  stub_ = startStub(1.0);
  auto host = startHost("host", {"worker.threads=32"});
  const PostOutcome posted = postTasks(host->api(), kTasks);
  ASSERT_EQ(posted.accepted.size(), static_cast<std::size_t>(kTasks));
  ASSERT_TRUE(stub_->awaitHeld(1, 30s)) << "the workers never called A";

  for (int outage = 0; outage < 2; ++outage) {
    const int terminal = countTerminal(posted.accepted);
    std::cout << "  outage " << outage + 1 << " begins with " << terminal << " task(s) terminal\n";
    EXPECT_LT(terminal, kTasks) << "outage " << outage + 1 << " came too late";
    stopRabbitMq();
    std::this_thread::sleep_for(1s);
    startRabbitMq();
    std::this_thread::sleep_for(2s);  // reconnect; some tasks go through in between
  }
  account("RabbitMQ restarted twice under load", posted.accepted, host->api(), 200, 240s);
  EXPECT_EQ(host->api().get("/readyz").status, 200);
}

INSTANTIATE_TEST_SUITE_P(Brokers, BrokerFault,
                         ::testing::Values(Backends{"sqlite", "rabbitmq"},
                                           Backends{"sqlite", "proton"}),
                         [](const auto& param) { return param.param.name(); });

}  // namespace
}  // namespace cpe::testing
