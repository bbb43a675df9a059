#include "broker_fixture.h"

#include <Poco/ConsoleChannel.h>
#include <Poco/Logger.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "cpe/sdk/mutex.h"

namespace cpe::testing {
namespace {

constexpr const char* kHost = "127.0.0.1";

// Erlang for rabbitmqctl eval, after "Queue = <<"NAME">>,". Session
// processes of RabbitMQ 3.x's AMQP 1.0 plugin keep each incoming link in
// their process dictionary as {{in, Handle}, #incoming_link{}}, whose routing
// key is the queue of an /amq/queue/NAME target. Closing a session's backing
// AMQP 0-9-1 connection makes the server end that session with an error, as
// it ends one to refuse a link.
constexpr const char* kEndSessionsSendingToQueue = R"(
  SendsToQueue = fun({{in, _}, Link}) when element(1, Link) =:= incoming_link ->
                       lists:member(Queue, tuple_to_list(Link));
                     (_) -> false
                 end,
  Sending = [P || P <- processes(),
                  {dictionary, D} <- [erlang:process_info(P, dictionary)],
                  lists:any(SendsToQueue, D)],
  [amqp_connection:close(proplists:get_value(connection, rabbit_amqp1_0_session_process:info(P)))
   || P <- Sending],
  length(Sending).)";

// What each plugin calls its settings; a plugin added to the suite adds an
// entry here and nowhere else.
struct PluginKeys {
  const char* tasksQueue;
  const char* resultsQueue;
  const char* deadLetterQueue;
  // Prepended to a queue's name to make the value of the three keys above.
  const char* queuePrefix;
  // The setting that points the plugin at the AMQP server on 127.0.0.1:port.
  std::pair<std::string, std::string> (*serverPort)(int port);
  // Whether the plugin declares its queues itself. One that does not gets
  // them declared beforehand by the rabbitmq plugin, with the same arguments.
  bool declaresQueues;
  // Whether the plugin can count a queue's ready messages (AMQP 1.0 cannot).
  bool countsReady;
  // Whether the plugin sends each queue's publishes on an AMQP 1.0 link, in
  // a session, of its own, which the server can take away alone.
  bool sendsOnALinkPerQueue;
  // The settings that bound a queue's publishes sent and unsettled, waiting
  // to be sent, and the time one may wait; null if the plugin has none.
  std::vector<std::pair<std::string, std::string>> (*waitingBound)(int inFlight, int waiting,
                                                                   int waitSeconds);
  std::vector<std::pair<std::string, std::string>> quickReconnect;
  std::vector<std::pair<std::string, std::string>> shortHeartbeat;
  std::vector<std::pair<std::string, std::string>> invalid;
  // The settings that reach the server's TLS port (5671) at `host`, trusting
  // the CA certificates in `caFile`.
  std::vector<std::pair<std::string, std::string>> (*tlsServer)(const std::string& host,
                                                                 const std::string& caFile);
};

const PluginKeys& keysFor(const std::string& plugin) {
  static const PluginKeys rabbitmq{
      "tasksQueue",
      "resultsQueue",
      "deadLetterQueue",
      "",
      [](int port) { return std::make_pair(std::string("port"), std::to_string(port)); },
      /*declaresQueues=*/true,
      /*countsReady=*/true,
      /*sendsOnALinkPerQueue=*/false,
      // A fixed bound (100000 waiting) and no time limit.
      /*waitingBound=*/nullptr,
      {{"reconnectInitialMs", "50"}, {"reconnectMaxMs", "500"}, {"connectTimeoutMs", "1000"}},
      {{"heartbeatSeconds", "1"}},
      {{"queueType", "stream"},
       {"port", "70000"},
       {"maxInFlight", "many"},
       {"heartbeatSeconds", "-1"},
       {"reconnectMaxMs", "10"},  // below reconnectInitialMs
       {"tasksQueue", ""},
       {"tls", "maybe"},
       {"caFile", "/etc/cpe-dev-tls/ca.pem"},  // readable, but tls is off
       {"clientKeyFile", "/no/such/client.key"}},
      [](const std::string& host, const std::string& caFile) {
        return std::vector<std::pair<std::string, std::string>>{
            {"tls", "true"}, {"host", host}, {"port", "5671"}, {"caFile", caFile}};
      },
  };
  static const PluginKeys proton{
      "tasksAddress",
      "resultsAddress",
      "deadLetterAddress",
      // RabbitMQ 3.10's AMQP 1.0 address of a queue declared beforehand.
      "/amq/queue/",
      [](int port) {
        return std::make_pair(std::string("url"),
                              "amqp://" + std::string(kHost) + ":" + std::to_string(port));
      },
      /*declaresQueues=*/false,
      /*countsReady=*/false,
      /*sendsOnALinkPerQueue=*/true,
      [](int inFlight, int waiting, int waitSeconds) {
        return std::vector<std::pair<std::string, std::string>>{
            {"maxInFlight", std::to_string(inFlight)},
            {"maxWaitingPublishes", std::to_string(waiting)},
            {"maxWaitingSeconds", std::to_string(waitSeconds)}};
      },
      {{"reconnectInitialMs", "50"}, {"reconnectMaxMs", "500"}},
      {{"idleTimeoutMs", "2000"}},
      {{"url", "http://127.0.0.1:5672"},
       {"maxInFlight", "many"},
       {"idleTimeoutMs", "-1"},
       {"maxWaitingPublishes", "0"},
       {"maxWaitingSeconds", "0"},
       {"reconnectMaxMs", "10"},  // below reconnectInitialMs
       {"tasksAddress", ""},
       {"verifyPeer", "perhaps"},
       {"caFile", "/etc/cpe-dev-tls/ca.pem"},  // readable, but no amqps:// URL
       {"caFile", "/no/such/ca.pem"}},
      [](const std::string& host, const std::string& caFile) {
        return std::vector<std::pair<std::string, std::string>>{
            {"url", "amqps://" + host + ":5671"}, {"caFile", caFile}};
      },
  };
  if (plugin == "proton") return proton;
  if (plugin != "rabbitmq") ADD_FAILURE() << "no test keys for broker plugin " << plugin;
  return rabbitmq;
}

// Declares `queues` as the rabbitmq plugin does (durable, its queue type,
// dead-lettering to queues.deadLetter): it starts a rabbitmq broker on them,
// waits until it is healthy (queues declared), and stops it.
void provisionQueues(const TestQueues& queues) {
  static Mutex mutex;
  static std::set<std::string> provisioned CPE_GUARDED_BY(mutex);
  MutexLock lock(mutex);
  if (provisioned.count(queues.tasks) != 0) return;
  BrokerTarget declarer("rabbitmq", queues);
  std::unique_ptr<Broker> broker = declarer.createOrFail();
  if (!broker) return;
  if (!broker->start().isOk() || !waitUntil([&] { return broker->health().isOk(); }, seconds(30))) {
    ADD_FAILURE() << "cannot declare the queues: " << broker->health().toString();
  } else {
    provisioned.insert(queues.tasks);
  }
  broker->stop();
}

}  // namespace

bool waitUntil(const std::function<bool()>& condition, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

void logToConsoleIfAsked() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (std::getenv("CPE_TEST_LOG") == nullptr) return;
    Poco::AutoPtr<Poco::ConsoleChannel> console(new Poco::ConsoleChannel(std::cerr));
    // Loggers made later (the plugins') inherit the root's channel and level.
    Poco::Logger::root().setChannel(console);
    Poco::Logger::root().setLevel(Poco::Message::PRIO_DEBUG);
  });
}

TestQueues uniqueQueues() {
  static std::atomic<int> counter{0};
  std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  if (const std::size_t slash = test.find('/'); slash != std::string::npos) test.erase(slash);
  const std::string base =
      "cpe.test." + std::to_string(getpid()) + "." + std::to_string(++counter) + "." + test;
  return {base + ".tasks", base + ".results", base + ".dead"};
}

BrokerTarget::BrokerTarget(std::string pluginName, const TestQueues& queues)
    : pluginName_(std::move(pluginName)),
      queues_(queues),
      config_(new Poco::Util::MapConfiguration) {
  const PluginKeys& keys = keysFor(pluginName_);
  set(keys.tasksQueue, keys.queuePrefix + queues.tasks);
  set(keys.resultsQueue, keys.queuePrefix + queues.results);
  set(keys.deadLetterQueue, keys.queuePrefix + queues.deadLetter);
}

void BrokerTarget::set(const std::string& key, const std::string& value) {
  config_->setString("broker." + pluginName_ + "." + key, value);
}

void BrokerTarget::usePort(int port) {
  const auto [key, value] = keysFor(pluginName_).serverPort(port);
  set(key, value);
}

bool BrokerTarget::declaresQueues() const { return keysFor(pluginName_).declaresQueues; }

bool BrokerTarget::countsReady() const { return keysFor(pluginName_).countsReady; }

bool BrokerTarget::sendsOnALinkPerQueue() const {
  return keysFor(pluginName_).sendsOnALinkPerQueue;
}

bool BrokerTarget::boundWaiting(int inFlight, int waiting, int waitSeconds) {
  const auto bound = keysFor(pluginName_).waitingBound;
  if (bound == nullptr) return false;
  for (const auto& [key, value] : bound(inFlight, waiting, waitSeconds)) set(key, value);
  return true;
}

void BrokerTarget::useTls(const std::string& host, const std::string& caFile) {
  for (const auto& [key, value] : keysFor(pluginName_).tlsServer(host, caFile)) set(key, value);
}

void BrokerTarget::reconnectQuickly() {
  for (const auto& [key, value] : keysFor(pluginName_).quickReconnect) set(key, value);
}

void BrokerTarget::shortHeartbeat() {
  for (const auto& [key, value] : keysFor(pluginName_).shortHeartbeat) set(key, value);
}

std::vector<std::pair<std::string, std::string>> BrokerTarget::invalidSettings() const {
  return keysFor(pluginName_).invalid;
}

Result<std::unique_ptr<Broker>> BrokerTarget::create() const {
  if (!declaresQueues()) provisionQueues(queues_);
  return plugin::PluginLoader(CPE_PLUGIN_DIR).createBroker(pluginName_, *config_);
}

std::unique_ptr<Broker> BrokerTarget::createOrFail() const {
  auto broker = create();
  if (!broker.isOk()) {
    ADD_FAILURE() << pluginName_ << ": " << broker.status().toString();
    return nullptr;
  }
  return std::move(broker).value();
}

Inbox::Inbox() : state_(std::make_shared<State>()) {}

Broker::DeliveryHandler Inbox::handler() const {
  return [state = state_](Delivery delivery) {
    {
      MutexLock lock(state->mutex);
      state->deliveries.push_back(std::move(delivery));
    }
    state->changed.notify_all();
  };
}

bool Inbox::waitForCount(std::size_t count, milliseconds timeout) const {
  MutexLock lock(state_->mutex);
  return state_->changed.wait_for(lock.native(), timeout, [&]() CPE_REQUIRES(state_->mutex) {
    return state_->deliveries.size() >= count;
  });
}

std::size_t Inbox::count() const {
  MutexLock lock(state_->mutex);
  return state_->deliveries.size();
}

std::vector<Delivery> Inbox::deliveries() const {
  MutexLock lock(state_->mutex);
  return state_->deliveries;
}

Confirms::Confirms() : state_(std::make_shared<State>()) {}

Broker::ConfirmCallback Confirms::callback() const {
  return [state = state_](const Status& status) {
    {
      MutexLock lock(state->mutex);
      state->statuses.push_back(status);
    }
    state->changed.notify_all();
  };
}

bool Confirms::waitForCount(std::size_t count, milliseconds timeout) const {
  MutexLock lock(state_->mutex);
  return state_->changed.wait_for(lock.native(), timeout, [&]() CPE_REQUIRES(state_->mutex) {
    return state_->statuses.size() >= count;
  });
}

std::vector<Status> Confirms::statuses() const {
  MutexLock lock(state_->mutex);
  return state_->statuses;
}

ReadyCounts::ReadyCounts() : state_(std::make_shared<State>()) {}

Broker::CountCallback ReadyCounts::callback() const {
  return [state = state_](const Result<std::uint64_t>& answer) {
    {
      MutexLock lock(state->mutex);
      state->answers.push_back(answer);
    }
    state->changed.notify_all();
  };
}

bool ReadyCounts::waitForAnswers(std::size_t count, milliseconds timeout) const {
  MutexLock lock(state_->mutex);
  return state_->changed.wait_for(lock.native(), timeout, [&]() CPE_REQUIRES(state_->mutex) {
    return state_->answers.size() >= count;
  });
}

std::vector<Result<std::uint64_t>> ReadyCounts::answers() const {
  MutexLock lock(state_->mutex);
  return state_->answers;
}

namespace server {

int run(const std::string& command, const std::vector<std::string>& args, std::string& output) {
  Poco::Pipe outPipe;
  Poco::ProcessHandle process = Poco::Process::launch(command, args, nullptr, &outPipe, &outPipe);
  Poco::PipeInputStream stream(outPipe);
  output.clear();
  Poco::StreamCopier::copyToString(stream, output);
  return process.wait();
}

std::map<std::string, std::string> listQueues(const std::string& column) {
  std::string output;
  if (run("rabbitmqctl", {"-q", "list_queues", "name", column}, output) != 0) {
    ADD_FAILURE() << "rabbitmqctl list_queues failed: " << output;
    return {};
  }
  std::map<std::string, std::string> values;
  std::istringstream lines(output);
  std::string name;
  std::string value;
  while (lines >> name >> value) values[name] = value;
  return values;
}

std::optional<std::string> getOne(const std::string& queue) {
  std::string output;
  if (run("amqp-get", {"-s", kHost, "-q", queue}, output) != 0) return std::nullopt;
  return output;
}

void deleteQueue(const std::string& queue) {
  std::string ignored;
  run("amqp-delete-queue", {"-s", kHost, "-q", queue}, ignored);
}

int endSessionsSendingTo(const std::string& queue) {
  std::string output;
  const std::string expression = "Queue = <<\"" + queue + "\">>," + kEndSessionsSendingToQueue;
  if (run("rabbitmqctl", {"-q", "eval", expression}, output) != 0) {
    ADD_FAILURE() << "rabbitmqctl eval failed: " << output;
    return -1;
  }
  return std::stoi(output);
}

bool stopApp() {
  std::string output;
  return run("rabbitmqctl", {"-q", "stop_app"}, output) == 0;
}

bool startApp() {
  std::string output;
  return run("rabbitmqctl", {"-q", "start_app"}, output) == 0 &&
         run("rabbitmqctl", {"-q", "await_startup", "--timeout", "60"}, output) == 0;
}

}  // namespace server
}  // namespace cpe::testing
