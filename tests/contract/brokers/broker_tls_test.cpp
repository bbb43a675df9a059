// Both broker plugins over TLS, against the local RabbitMQ's TLS listener
// (127.0.0.1:5671, deploy/local/start-rabbitmq.sh) whose certificate the
// development CA of deploy/local/server-tls.sh signed for localhost,
// 127.0.0.1 and ::1: the plugin carries messages through that port (which
// takes nothing but TLS), and refuses a server whose certificate its CAs did
// not sign or that does not carry the name it dialled, unless told not to
// check.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "broker_fixture.h"

namespace cpe::testing {
namespace {

// deploy/local/server-tls.sh
constexpr const char* kServerCa = "/etc/cpe-dev-tls/ca.pem";
// Debian's bundle of public CAs, none of which signed the server's.
constexpr const char* kOtherCas = "/etc/ssl/certs/ca-certificates.crt";
constexpr milliseconds kConnectWithin = seconds(30);
constexpr milliseconds kArriveWithin = seconds(30);

class BrokerTls : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() { logToConsoleIfAsked(); }

  void TearDown() override {
    for (auto& broker : brokers_) broker->stop();
    brokers_.clear();
    for (const std::string* queue : {&queues_.tasks, &queues_.results, &queues_.deadLetter}) {
      server::deleteQueue(*queue);
    }
  }

  // The server's TLS port at `host`, trusting `caFile`.
  BrokerTarget tlsTarget(const std::string& host, const std::string& caFile) const {
    BrokerTarget target(GetParam(), queues_);
    target.useTls(host, caFile);
    target.reconnectQuickly();
    return target;
  }

  Broker& made(const BrokerTarget& target) {
    brokers_.push_back(target.createOrFail());
    return *brokers_.back();
  }

  Broker& started(const BrokerTarget& target) {
    Broker& broker = made(target);
    EXPECT_TRUE(broker.start().isOk());
    return broker;
  }

  // Whether `broker` reports a failed connection whose reason names one of
  // `failures`, and never connected meanwhile.
  ::testing::AssertionResult refusedFor(Broker& broker, const std::vector<std::string>& failures) {
    bool connected = false;
    const bool named = waitUntil(
        [&] {
          const Status health = broker.health();
          connected = connected || health.isOk();
          return std::any_of(failures.begin(), failures.end(), [&](const std::string& failure) {
            return health.message().find(failure) != std::string::npos;
          });
        },
        kConnectWithin);
    if (connected) return ::testing::AssertionFailure() << "it connected";
    if (!named) {
      return ::testing::AssertionFailure()
             << "not the failure expected: " << broker.health().toString();
    }
    return ::testing::AssertionSuccess();
  }

  TestQueues queues_ = uniqueQueues();
  std::vector<std::unique_ptr<Broker>> brokers_;
};

TEST_P(BrokerTls, CarriesMessagesThroughTheTlsPort) {
  Broker& broker = made(tlsTarget("localhost", kServerCa));
  Inbox inbox;
  ASSERT_TRUE(broker.consume(QueueRole::kTasks, 4, inbox.handler()).isOk());
  ASSERT_TRUE(broker.start().isOk());
  ASSERT_TRUE(waitUntil([&] { return broker.health().isOk(); }, kConnectWithin))
      << broker.health().toString();

  Confirms confirms;
  const std::string body = R"({"taskId":"tls-1","sealedParameters":"AAAA"})";
  broker.publish(QueueRole::kTasks, "tls-1", body, confirms.callback());
  ASSERT_TRUE(confirms.waitForCount(1, kArriveWithin));
  EXPECT_TRUE(confirms.statuses().front().isOk()) << confirms.statuses().front().toString();
  ASSERT_TRUE(inbox.waitForCount(1, kArriveWithin));
  EXPECT_EQ(inbox.deliveries().front().body, body);
}

// The control of the test above: the TLS port takes no plain connection, so
// what passed through it went over TLS.
TEST_P(BrokerTls, ThePlainProtocolDoesNotGetThroughTheTlsPort) {
  BrokerTarget plain(GetParam(), queues_);
  plain.usePort(5671);
  plain.reconnectQuickly();
  Broker& broker = started(plain);
  // RabbitMQ-C: the server drops a client that sends no TLS handshake;
  // Proton: the server's TLS alert is no AMQP header.
  EXPECT_TRUE(refusedFor(broker, {"a socket error occurred", "Unknown protocol"}));
}

TEST_P(BrokerTls, RefusesAServerWhoseCertificateItsCasDidNotSign) {
  Broker& broker = started(tlsTarget("localhost", kOtherCas));
  EXPECT_TRUE(refusedFor(broker, {"verif"}));
}

// 127.1 is 127.0.0.1 to the resolver, but not a name the certificate holds.
TEST_P(BrokerTls, RefusesAServerWhoseCertificateDoesNotCarryTheNameDialled) {
  Broker& broker = started(tlsTarget("127.1", kServerCa));
  EXPECT_TRUE(refusedFor(broker, {"verif"}));
}

TEST_P(BrokerTls, ChecksNothingWithVerifyPeerOff) {
  BrokerTarget target = tlsTarget("127.1", kOtherCas);
  target.set("verifyPeer", "false");
  Broker& broker = started(target);
  EXPECT_TRUE(waitUntil([&] { return broker.health().isOk(); }, kConnectWithin))
      << broker.health().toString();
}

// The server asks for a client certificate and checks one it is shown
// (deploy/local/start-rabbitmq.sh): one of the server's CA passes, one it
// did not sign ends the handshake, so the plugin does send it.
TEST_P(BrokerTls, ShowsItsClientCertificateToTheServer) {
  BrokerTarget known = tlsTarget("localhost", kServerCa);
  known.set("clientCertificateFile", "/etc/cpe-dev-tls/client.pem");
  known.set("clientKeyFile", "/etc/cpe-dev-tls/client.key");
  Broker& accepted = started(known);
  EXPECT_TRUE(waitUntil([&] { return accepted.health().isOk(); }, kConnectWithin))
      << accepted.health().toString();

  const std::string dir = ::testing::TempDir() + "cpe-tls-" + std::to_string(getpid());
  std::string output;
  ASSERT_EQ(server::run("mkdir", {"-p", dir}, output), 0) << output;
  ASSERT_EQ(
      server::run("openssl",
                  {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                   "/CN=stranger", "-keyout", dir + "/stranger.key", "-out", dir + "/stranger.pem"},
                  output),
      0)
      << output;
  BrokerTarget stranger = tlsTarget("localhost", kServerCa);
  stranger.set("clientCertificateFile", dir + "/stranger.pem");
  stranger.set("clientKeyFile", dir + "/stranger.key");
  Broker& refused = started(stranger);
  // The server's alert, as each library words it (with TLS 1.3 RabbitMQ-C
  // meets it at the first read, in the login).
  EXPECT_TRUE(refusedFor(refused, {"a SSL error occurred", "alert bad certificate"}));
  server::run("rm", {"-rf", dir}, output);
}

INSTANTIATE_TEST_SUITE_P(Plugins, BrokerTls, ::testing::Values("rabbitmq", "proton"),
                         [](const ::testing::TestParamInfo<std::string>& plugin) {
                           return plugin.param;
                         });

}  // namespace
}  // namespace cpe::testing
