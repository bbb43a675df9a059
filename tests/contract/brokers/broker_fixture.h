#pragma once

// What the broker contract tests share: brokers of a named plugin, created
// through PluginLoader exactly as the host creates them, on queues no other
// test uses; thread-safe collectors for deliveries and confirms; and the
// RabbitMQ server's own tools, to look at queues from outside the port.

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cpe/plugin_loader.h"
#include "cpe/sdk/broker.h"
#include "cpe/sdk/mutex.h"

namespace cpe::testing {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Polls `condition` every few milliseconds until it holds or `timeout`
// passes; returns whether it held.
bool waitUntil(const std::function<bool()>& condition, milliseconds timeout);

// Sends Poco log lines (the plugins' own) to stderr when CPE_TEST_LOG is set.
void logToConsoleIfAsked();

// Three queue names that no other test (or test process) uses.
struct TestQueues {
  std::string tasks;
  std::string results;
  std::string deadLetter;
};
TestQueues uniqueQueues();

// Everything plugin-specific: how a plugin's configuration names the queues,
// the server's port and the reconnect delays. Tests talk to brokers only
// through cpe::Broker.
class BrokerTarget {
 public:
  BrokerTarget(std::string pluginName, const TestQueues& queues);

  // broker.<plugin>.<key> = value
  void set(const std::string& key, const std::string& value);
  // The server's port on 127.0.0.1: where nothing listens, or a TcpProxy.
  void usePort(int port);
  // Whether the plugin declares its queues. If not, create() has the
  // rabbitmq plugin declare them first (durable, same arguments), as an
  // operator provisions them for such a plugin.
  bool declaresQueues() const;
  // Whether the plugin's protocol can count a queue's ready messages; one
  // that cannot answers countReady() kUnimplemented.
  bool countsReady() const;
  // Whether the plugin sends each queue's publishes on an AMQP 1.0 link of
  // its own, in a session of its own (server::endSessionsSendingTo()).
  bool sendsOnALinkPerQueue() const;
  // Settings so that each queue has at most `inFlight` publishes sent and
  // unsettled and `waiting` more waiting to be sent, each at most `waitSeconds`;
  // false, and nothing set, if the plugin has no such settings.
  bool boundWaiting(int inFlight, int waiting, int waitSeconds);
  // The server's TLS port (5671) at `host`, its certificate checked against
  // the CA certificates in `caFile`.
  void useTls(const std::string& host, const std::string& caFile);
  // Short reconnect delays and connect timeouts, so a test sees recovery
  // (or giving up) within seconds.
  void reconnectQuickly();
  // The shortest keep-alive interval (AMQP heartbeat, idle timeout), so a
  // test sees within seconds whether an idle connection is kept alive.
  void shortHeartbeat();
  // Values the plugin's factory must refuse, one configuration each.
  std::vector<std::pair<std::string, std::string>> invalidSettings() const;

  Result<std::unique_ptr<Broker>> create() const;
  std::unique_ptr<Broker> createOrFail() const;

 private:
  std::string pluginName_;
  TestQueues queues_;
  Poco::AutoPtr<Poco::Util::MapConfiguration> config_;
};

// Collects deliveries from a broker's handler thread. Shared state, so a
// handler that outlives the collector stays safe.
class Inbox {
 public:
  Inbox();
  Broker::DeliveryHandler handler() const;
  bool waitForCount(std::size_t count, milliseconds timeout) const;
  std::size_t count() const;
  std::vector<Delivery> deliveries() const;

 private:
  struct State {
    mutable Mutex mutex;
    std::condition_variable changed;
    std::vector<Delivery> deliveries CPE_GUARDED_BY(mutex);
  };
  std::shared_ptr<State> state_;
};

// Collects publish confirmations.
class Confirms {
 public:
  Confirms();
  Broker::ConfirmCallback callback() const;
  bool waitForCount(std::size_t count, milliseconds timeout) const;
  std::vector<Status> statuses() const;

 private:
  struct State {
    mutable Mutex mutex;
    std::condition_variable changed;
    std::vector<Status> statuses CPE_GUARDED_BY(mutex);
  };
  std::shared_ptr<State> state_;
};

// Collects answers to countReady().
class ReadyCounts {
 public:
  ReadyCounts();
  Broker::CountCallback callback() const;
  bool waitForAnswers(std::size_t count, milliseconds timeout) const;
  std::vector<Result<std::uint64_t>> answers() const;

 private:
  struct State {
    mutable Mutex mutex;
    std::condition_variable changed;
    std::vector<Result<std::uint64_t>> answers CPE_GUARDED_BY(mutex);
  };
  std::shared_ptr<State> state_;
};

// The RabbitMQ server every broker plugin talks to, seen through its own
// command-line tools (rabbitmqctl, amqp-tools).
namespace server {

// Runs a command; its exit code, with stdout and stderr in `output`.
int run(const std::string& command, const std::vector<std::string>& args, std::string& output);
// `rabbitmqctl list_queues name <column>`: each queue's value.
std::map<std::string, std::string> listQueues(const std::string& column);
// Takes one message from `queue` (amqp-get, auto-ack): its body.
std::optional<std::string> getOne(const std::string& queue);
void deleteQueue(const std::string& queue);
// Ends, as the server, every AMQP 1.0 session with a link that sends to
// `queue`, with an error (RabbitMQ 3.x, by rabbitmqctl eval). Returns how
// many it ended, or -1 if the eval failed.
int endSessionsSendingTo(const std::string& queue);
// rabbitmqctl stop_app / start_app (+ await_startup): every client is cut off.
bool stopApp();
bool startApp();

}  // namespace server
}  // namespace cpe::testing
