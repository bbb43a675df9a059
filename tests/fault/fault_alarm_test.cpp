// A RabbitMQ resource alarm held while tasks are posted, with the host
// stopped (SIGTERM) and started again in the middle of it, on a RabbitMQ
// node of the test's own so that no other test meets the alarm. Publishing
// is blocked; the host says so (a log line, cpe_broker_blocked 1) while it
// keeps taking tasks into its store, stops within its bounds, and once the
// alarm clears every task finishes.
//
// RabbitMQ 3.10 blocks AMQP 0-9-1 publishers only: its AMQP 1.0 plugin lets
// publishes through an alarm (fixed in 3.11.x, rabbitmq-server#9953), so
// over the proton plugin the tasks simply flow and nothing is shown blocked;
// the contract suite shows that plugin's blocked() with a held publish.
//
// .ci/run raises a memory alarm for as long as the steps take (about 20 s);
// deploy/ci/alarms.sh (in extended.sh) sets CPE_EXTENDED=1 (disk alarms
// too), CPE_ALARM_HOLD_SECONDS=70 and CPE_ALARM_TASKS=1000: batches of 500
// are posted, one every 2.5 s at most, until the alarm has lasted 70 s.
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <ostream>
#include <string>
#include <thread>

#include "fault_fixture.h"
#include "own_rabbitmq.h"

namespace cpe::testing {
namespace {

struct AlarmCase {
  std::string alarm;  // "memory" or "disk"
  Backends backends;
  std::string name() const { return alarm + "_" + backends.broker; }
};
// How GoogleTest names a case in its messages and in CTest's test names.
void PrintTo(const AlarmCase& alarmCase, std::ostream* out) { *out << alarmCase.name(); }

int fromEnvironment(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::stoi(value) : fallback;
}

class BrokerAlarm : public FaultTest, public ::testing::WithParamInterface<AlarmCase> {
 protected:
  // A memory watermark of 0 blocks publishing at once; a disk limit above
  // the disk's size does so at RabbitMQ's next disk check (within 10 s).
  void raiseAlarm() {
    rabbitMq_.control(GetParam().alarm == "memory" ? "set_vm_memory_high_watermark 0"
                                                   : "set_disk_free_limit 100000GB");
  }
  void clearAlarm() {
    rabbitMq_.control(GetParam().alarm == "memory" ? "set_vm_memory_high_watermark 0.4"
                                                   : "set_disk_free_limit 50MB");
  }

  std::vector<std::string> defines() const {
    return rabbitMq_.brokerDefines(GetParam().backends);
  }
  bool blocksUs() const { return GetParam().backends.broker == "rabbitmq"; }

  OwnRabbitMq rabbitMq_;
};

TEST_P(BrokerAlarm, BlockedPublishingIsShownTasksWaitInTheStoreAndNoneIsLost) {
  if (GetParam().alarm == "disk" && std::getenv("CPE_EXTENDED") == nullptr) {
    GTEST_SKIP() << "disk alarms run in deploy/ci/extended.sh";
  }
  const int tasks = fromEnvironment("CPE_ALARM_TASKS", 300);
  const auto hold = std::chrono::seconds(fromEnvironment("CPE_ALARM_HOLD_SECONDS", 0));
  useBackends(GetParam().backends);
  if (GetParam().backends.broker == "proton") declareQueues(queues(), rabbitMq_.port());
  stub_ = startStub(0.2);
  auto host = startHost("host", defines());
  ASSERT_TRUE(host->awaitReady()) << host->log();
  std::vector<PostedTask> all = postTasks(host->api(), 20).accepted;
  ASSERT_EQ(all.size(), 20u);
  ASSERT_TRUE(awaitTerminalInStore(all, 60s)) << "work did not flow before the alarm";

  raiseAlarm();
  const auto raisedAt = std::chrono::steady_clock::now();
  PostOutcome during = postTasks(host->api(), tasks / 2, 16, 20);
  EXPECT_EQ(during.accepted.size(), static_cast<std::size_t>(tasks / 2)) << "POSTs refused";
  all.insert(all.end(), during.accepted.begin(), during.accepted.end());
  if (blocksUs()) {
    EXPECT_TRUE(host->awaitMetric("cpe_broker_blocked", 1)) << host->log();
    EXPECT_NE(host->log().find("the broker blocks publishing ("), std::string::npos)
        << host->log();
  }
  EXPECT_EQ(host->api().get("/readyz").status, 200) << "the API can still take tasks";

  // Stopped while blocked: the host still stops, and the next one carries on.
  EXPECT_EQ(host->process().stop(SIGTERM), 0) << host->log();
  host = startHost("host", defines());
  ASSERT_TRUE(host->awaitReady()) << host->log();
  // The other half goes to the new host; a longer hold keeps posting such
  // batches until the alarm has lasted that long.
  // The batches are paced, so that the load, and with it the drain and the
  // accounting once the alarm clears, do not grow with the host's POST rate:
  // back to back, group commit made it 39,520 tasks in 70 s, and the test
  // outlasted CTest's 300 s.
  constexpr auto kBatchEvery = 2500ms;
  const int batch = tasks - tasks / 2;
  int next = 20 + tasks / 2;
  do {
    const auto batchStarted = std::chrono::steady_clock::now();
    during = postTasks(host->api(), batch, 16, next);
    EXPECT_EQ(during.accepted.size(), static_cast<std::size_t>(batch)) << "POSTs refused";
    all.insert(all.end(), during.accepted.begin(), during.accepted.end());
    next += batch;
    std::this_thread::sleep_until(std::min(batchStarted + kBatchEvery, raisedAt + hold));
  } while (std::chrono::steady_clock::now() < raisedAt + hold);
  if (blocksUs()) {
    EXPECT_TRUE(host->awaitMetric("cpe_broker_blocked", 1)) << host->log();
  }
  const auto heldFor = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::steady_clock::now() - raisedAt);
  std::cout << "  " << GetParam().alarm << " alarm held " << heldFor.count() << " s over "
            << all.size() - 20 << " POSTs\n";

  clearAlarm();
  account(GetParam().alarm + " alarm held " + std::to_string(heldFor.count()) +
              " s, host SIGTERMed and restarted under it (" + GetParam().backends.broker + ")",
          all, host->api(), 200, 300s);
  EXPECT_TRUE(host->awaitMetric("cpe_broker_blocked", 0)) << host->log();
  if (blocksUs()) {
    EXPECT_NE(host->log().find("the broker unblocked publishing after"), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Alarms, BrokerAlarm,
    ::testing::Values(AlarmCase{"memory", {"sqlite", "rabbitmq"}},
                      AlarmCase{"memory", {"sqlite", "proton"}},
                      AlarmCase{"disk", {"sqlite", "rabbitmq"}},
                      AlarmCase{"disk", {"sqlite", "proton"}}),
    [](const auto& param) { return param.param.name(); });

}  // namespace
}  // namespace cpe::testing
