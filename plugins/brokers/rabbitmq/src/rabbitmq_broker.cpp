// The rabbitmq broker plugin: cpe::Broker over AMQP 0-9-1 with RabbitMQ-C,
// and the plugin's one exported entry point.

#include <atomic>
#include <new>
#include <thread>
#include <utility>
#include <vector>

#include "broker_log.h"
#include "command_queue.h"
#include "cpe/sdk/broker.h"
#include "cpe/sdk/mutex.h"
#include "cpe/sdk/plugin_support.h"
#include "cpe/sdk/thread_annotations.h"
#include "io_loop.h"
#include "rabbitmq_options.h"

namespace cpe::brokers::rabbitmq {
namespace {

// One connection's worth of the plugin: the commands for its I/O thread,
// what that thread reports back, and the thread.
struct Lane {
  CommandQueue commands;
  plugin::HealthCell health{Status::unavailable("rabbitmq: not started")};
  std::atomic<bool> blocked{false};
  std::atomic<std::uint32_t> liveConnection{0};
  std::thread thread;

  void start(const RabbitOptions& options, std::vector<ConsumerSpec> consumers,
             FrameDispatcher::QueueGoneHook onQueueGone) {
    health.set(Status::unavailable("rabbitmq: connecting to " + options.addressesText()));
    commands.open();
    // The thread gets its own copy of the consumers, so nothing it reads is
    // shared with API threads but the command queue and the signals.
    thread = std::thread([this, &options, consumers = std::move(consumers),
                          onQueueGone = std::move(onQueueGone)] {
      runIoThread(options, consumers, commands,
                  LaneSignals{health, blocked, liveConnection, onQueueGone});
    });
  }

  void failToStart(const Status& failed) {
    health.set(Status::unavailable(failed.message()));
    CommandQueue::Batch left = commands.close();
    refuseAll(left, Status::unavailable(failed.message()));
  }

  void stop() {
    if (!thread.joinable()) return;
    commands.requestStop();
    thread.join();
  }
};

// The Broker port over two AMQP connections, each owned by an I/O thread of
// its own (see IoLoop): one publishes, one consumes, so that a resource
// alarm that blocks our publishes never stalls our acks. Counts go over the
// publishing connection, the one every process has. The methods here only
// hand commands to those threads.
//
// Outside a start()/stop() run there is no plugin thread: publish() then
// calls its callback at once, on the caller's thread, with kUnavailable;
// countReady() does so also while the publishing connection is down or
// blocked.
// stop() and the destructor must not be called from a callback.
class RabbitBroker final : public Broker {
 public:
  explicit RabbitBroker(RabbitOptions options) : options_(std::move(options)) {}
  ~RabbitBroker() override { stop(); }

  Status consume(QueueRole queue, int prefetch, DeliveryHandler handler) noexcept override {
    try {
      MutexLock lock(lifecycleMutex_);
      if (running_) return Status::invalidArgument("rabbitmq: consume() after start()");
      Status refused = plugin::checkNewConsumer("rabbitmq", consumers_, queue, prefetch, handler);
      if (!refused.isOk()) return refused;
      consumers_.push_back(ConsumerSpec{queue, prefetch, std::move(handler)});
      return Status::ok();
    } catch (...) {
      return Status::internal("rabbitmq: out of memory registering a consumer");
    }
  }

  Status start() noexcept override {
    MutexLock lock(lifecycleMutex_);
    if (running_) return Status::ok();
    try {
      consumesAnything_ = !consumers_.empty();
      if (consumesAnything_) consuming_.start(options_, consumers_, nullptr);
      // A publish that finds a queue gone tells the consumer of that queue
      // to reconnect: a deleted quorum queue cancels no consumer.
      const bool tasks = consumes(QueueRole::kTasks);
      const bool results = consumes(QueueRole::kResults);
      publishing_.start(options_, {},
                        [this, tasks, results](QueueRole queue, const std::string& why) {
                          if (queue == QueueRole::kTasks ? tasks : results) {
                            consuming_.commands.requestReconnect(why);
                          }
                        });
      running_ = true;
      return Status::ok();
    } catch (const std::exception& error) {
      Status failed =
          Status::internal(std::string("rabbitmq: cannot start the I/O threads: ") + error.what());
      consuming_.stop();
      consuming_.failToStart(failed);
      publishing_.failToStart(failed);
      return failed;
    }
  }

  void stop() noexcept override {
    try {
      MutexLock lock(lifecycleMutex_);
      if (!running_) return;
      // Both threads wind down at once; each is bounded (see IoLoop).
      consuming_.commands.requestStop();
      publishing_.stop();
      consuming_.stop();
      running_ = false;
    } catch (const std::exception& error) {
      pluginLog().error(std::string("stop() failed (called from a broker callback?): ") +
                        error.what());
    }
  }

  void publish(QueueRole queue, std::string messageId, std::string body,
               ConfirmCallback done) noexcept override {
    PublishCommand command{queue, std::move(messageId), std::move(body), std::move(done)};
    Status refused = Status::unavailable("rabbitmq: out of memory");
    try {
      refused = publishing_.commands.postPublish(command);
      if (refused.isOk()) return;
    } catch (...) {  // out of memory: answered below
    }
    if (command.done) pluginLog().callSafely(command.done, refused);
  }

  void countReady(QueueRole queue, CountCallback done) noexcept override {
    CountCommand command{queue, std::move(done)};
    Status refused = Status::unavailable("rabbitmq: out of memory");
    try {
      refused = refusalToCount();
      if (refused.isOk()) refused = publishing_.commands.postCount(command);
      if (refused.isOk()) return;
    } catch (...) {  // out of memory: answered below
    }
    if (command.done) pluginLog().callSafely(command.done, refused);
  }

  void settle(QueueRole queue, std::uint64_t tag, Settlement how) noexcept override {
    try {
      consuming_.commands.postSettle(SettleCommand{queue, tag, how});
    } catch (...) {
      // The delivery stays unsettled until the connection closes, when the
      // broker requeues it.
      pluginLog().error("out of memory: a settle was dropped");
    }
  }

  Status health() noexcept override {
    try {
      Status publishing = publishing_.health.get();
      if (!publishing.isOk() || !consumesAnything_) return publishing;
      return consuming_.health.get();
    } catch (...) {
      return Status::internal("rabbitmq: out of memory");
    }
  }

  bool blocked() noexcept override { return publishing_.blocked.load(); }

  bool isHeld(QueueRole, std::uint64_t tag) noexcept override {
    const std::uint32_t live = consuming_.liveConnection.load();
    return live != 0 && (live & ~kLiveConnection) == FrameDispatcher::generationOf(tag);
  }

 private:
  // Why a count cannot be had now, or OK. Known at once, so the caller
  // need not wait for the I/O thread to find out.
  Status refusalToCount() const {
    if (publishing_.blocked.load()) {
      // The broker reads nothing from a blocked connection until the alarm ends.
      return Status::unavailable("rabbitmq: the broker blocks the publisher connection");
    }
    const Status connection = publishing_.health.get();
    if (!connection.isOk()) return Status::unavailable(connection.message());
    return Status::ok();
  }

  bool consumes(QueueRole queue) const CPE_REQUIRES(lifecycleMutex_) {
    for (const ConsumerSpec& consumer : consumers_) {
      if (consumer.queue == queue) return true;
    }
    return false;
  }

  const RabbitOptions options_;
  Lane publishing_;
  Lane consuming_;
  Mutex lifecycleMutex_;
  std::vector<ConsumerSpec> consumers_ CPE_GUARDED_BY(lifecycleMutex_);
  bool running_ CPE_GUARDED_BY(lifecycleMutex_) = false;
  std::atomic<bool> consumesAnything_{false};  // set by start(), read by health()
};

Result<std::unique_ptr<Broker>> makeBroker(const plugin::Settings& settings) {
  auto options = parseOptions(settings);
  if (!options.isOk()) return options.status();
  if (options.value().tls && !options.value().verifyPeer) {
    pluginLog().warning(
        "rabbitmq: broker.rabbitmq.verifyPeer = false: TLS to the broker without checking its "
        "certificate or host name, so anyone between can read and change the traffic");
  }
  // Nothing connects here: the broker may well be down at creation.
  return std::unique_ptr<Broker>(new RabbitBroker(std::move(options).value()));
}

}  // namespace
}  // namespace cpe::brokers::rabbitmq

CPE_BROKER_PLUGIN("rabbitmq", cpe::brokers::rabbitmq::kConfigKeys,
                  cpe::brokers::rabbitmq::kConfigKeyCount, cpe::brokers::rabbitmq::makeBroker)
