// A host given every node of a three-node RabbitMQ cluster (quorum queues
// with a replica on each node) while the node it is connected to goes down
// under load: first stopped cleanly, as an operator's rolling restart would,
// then, with that node back, the node the host moved to is SIGKILLed. The
// host moves on to the next node each time, and every accepted task ends
// terminal exactly once.
//
// The cluster is the test's own (OwnRabbitMqCluster), so no other test loses
// its broker. Starting three nodes takes about a minute here, so the test
// runs only with CPE_EXTENDED set: deploy/ci/cluster.sh, from extended.sh.
#include <cstdlib>
#include <future>
#include <iostream>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "fault_fixture.h"
#include "own_rabbitmq_cluster.h"

namespace cpe::testing {
namespace {

// POSTed in each phase: kFirstBatch before the fault, to get the workers
// going, and kDuringFault while the node goes down and the host moves on.
constexpr int kFirstBatch = 100;
constexpr int kDuringFault = 300;
// Tasks that must have finished before the fault, so that it strikes with
// work in every stage: waiting in the queue, at A, results on their way.
constexpr int kFinishedBeforeFault = 32;

class ClusterFailover : public FaultTest, public ::testing::WithParamInterface<Backends> {
 protected:
  void SetUp() override {
    if (std::getenv("CPE_EXTENDED") == nullptr) {
      GTEST_SKIP() << "the three-node cluster runs in deploy/ci/cluster.sh";
    }
    cluster_ = std::make_unique<OwnRabbitMqCluster>();
  }

  // The node each of the host's two broker connections (RabbitMQ-C's
  // publisher and consumer; Proton's one, twice) last opened to, from the
  // plugin's log lines; kNoNode for a connection not opened yet.
  std::vector<std::size_t> connectedNodes(const RunningHost& host) const {
    // Group 1 names the connection (empty: Proton's only one), group 2 the port.
    static const std::regex rabbitmq(
        "(publisher|consumer) (?:connected|connection restored) to 127\\.0\\.0\\.1:([0-9]+)");
    static const std::regex proton("proton: ()connected to amqp://127\\.0\\.0\\.1:([0-9]+)");
    const std::regex& opened = GetParam().broker == "proton" ? proton : rabbitmq;
    std::vector<std::size_t> nodes{kNoNode, kNoNode};
    const std::string log = host.log();
    for (std::sregex_iterator it(log.begin(), log.end(), opened), end; it != end; ++it) {
      const std::size_t node =
          cluster_->nodeOnPort(static_cast<std::uint16_t>(std::stoi((*it)[2])));
      if ((*it)[1] != "consumer") nodes[0] = node;
      if ((*it)[1] != "publisher") nodes[1] = node;
    }
    return nodes;
  }

  // Waits until both connections are open on one node other than `left`;
  // that node, or kNoNode when `limit` passes first.
  std::size_t awaitMovedFrom(const RunningHost& host, std::size_t left,
                             std::chrono::seconds limit = 60s) const {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      const std::vector<std::size_t> nodes = connectedNodes(host);
      if (nodes[0] != left && nodes[0] != kNoNode && nodes[0] == nodes[1]) return nodes[0];
      std::this_thread::sleep_for(100ms);
    }
    return kNoNode;
  }

  // Posts kFirstBatch tasks and waits until the workers have finished some;
  // then posts kDuringFault more in the background, spread over a few
  // seconds, and calls `fault` while they go. Answers every accepted task.
  template <typename Fault>
  std::vector<PostedTask> postAround(const RunningHost& host, int first, Fault fault) {
    std::vector<PostedTask> tasks = postTasks(host.api(), kFirstBatch, 16, first).accepted;
    EXPECT_EQ(tasks.size(), static_cast<std::size_t>(kFirstBatch)) << "POSTs refused";
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (countTerminal(tasks) < kFinishedBeforeFault &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(100ms);
    }
    EXPECT_GE(countTerminal(tasks), kFinishedBeforeFault) << "the workers never got going";
    auto during = std::async(std::launch::async, [&] {
      return postTasks(host.api(), kDuringFault, 16, first + kFirstBatch, 100ms);
    });
    fault();
    const PostOutcome posted = during.get();
    EXPECT_EQ(posted.accepted.size(), static_cast<std::size_t>(kDuringFault)) << "POSTs refused";
    tasks.insert(tasks.end(), posted.accepted.begin(), posted.accepted.end());
    return tasks;
  }

  static constexpr std::size_t kNoNode = OwnRabbitMqCluster::kNodes;
  std::unique_ptr<OwnRabbitMqCluster> cluster_;
};

TEST_P(ClusterFailover, NodeStoppedThenNodeKilledUnderLoadLosesNothing) {
  const auto began = std::chrono::steady_clock::now();
  useBackends(GetParam());
  if (GetParam().broker == "proton") declareQueues(queues(), cluster_->node(0).port());
  stub_ = startStub(1.0);
  std::vector<std::string> defines = cluster_->brokerDefines(GetParam());
  defines.push_back("worker.threads=32");
  auto host = startHost("host", defines);
  ASSERT_TRUE(host->awaitReady()) << host->log();
  for (const std::string& queue : {queues().tasks, queues().results, queues().dead}) {
    EXPECT_EQ(cluster_->quorumMembers(queue), 3) << queue << " is not replicated on every node";
  }
  const std::size_t first = awaitMovedFrom(*host, kNoNode);
  ASSERT_EQ(first, 0u) << "the host should start on the first address\n" << host->log();

  std::size_t second = kNoNode;
  const std::vector<PostedTask> stopPhase = postAround(*host, 0, [&] {
    cluster_->node(first).stop();
    second = awaitMovedFrom(*host, first);
  });
  ASSERT_NE(second, kNoNode) << "the host never moved off the stopped node\n" << host->log();
  account("the cluster node the host is on stopped cleanly under load", stopPhase, host->api(), 200,
          240s);

  // The stopped node back first: with two of three nodes gone, quorum
  // queues would have no majority left.
  cluster_->node(first).start();
  std::size_t third = kNoNode;
  const std::vector<PostedTask> killPhase = postAround(*host, kFirstBatch + kDuringFault, [&] {
    cluster_->node(second).kill();
    third = awaitMovedFrom(*host, second);
  });
  ASSERT_NE(third, kNoNode) << "the host never moved off the killed node\n" << host->log();
  account("the cluster node the host moved to SIGKILLed under load", killPhase, host->api(), 200,
          240s);
  EXPECT_TRUE(host->awaitReady()) << host->log();
  std::cout << "  cluster failover test took "
            << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                began)
                   .count()
            << " s after the cluster started\n";
}

INSTANTIATE_TEST_SUITE_P(Brokers, ClusterFailover,
                         ::testing::Values(Backends{"sqlite", "rabbitmq"},
                                           Backends{"sqlite", "proton"}),
                         [](const auto& param) { return param.param.name(); });

}  // namespace
}  // namespace cpe::testing
