// The rabbitmq broker plugin: cpe::Broker over AMQP 0-9-1 with RabbitMQ-C,
// and the plugin's one exported entry point.

#include <mutex>
#include <new>
#include <thread>
#include <utility>
#include <vector>

#include "broker_log.h"
#include "command_queue.h"
#include "cpe/sdk/broker.h"
#include "cpe/sdk/plugin_support.h"
#include "cpe/sdk/thread_annotations.h"
#include "io_loop.h"
#include "rabbitmq_options.h"

namespace cpe::brokers::rabbitmq {
namespace {

// The Broker port over one AMQP connection owned by one I/O thread (see
// IoLoop). The methods here only hand commands to that thread.
//
// Outside a start()/stop() run there is no plugin thread: publish() then
// calls its callback at once, on the caller's thread, with kUnavailable.
// stop() and the destructor must not be called from a callback.
class RabbitBroker final : public Broker {
 public:
  explicit RabbitBroker(RabbitOptions options) : options_(std::move(options)) {}
  ~RabbitBroker() override { stop(); }

  Status consume(QueueRole queue, int prefetch, DeliveryHandler handler) noexcept override {
    try {
      std::lock_guard<std::mutex> lock(lifecycleMutex_);
      if (thread_.joinable()) return Status::invalidArgument("rabbitmq: consume() after start()");
      Status refused = plugin::checkNewConsumer("rabbitmq", consumers_, queue, prefetch, handler);
      if (!refused.isOk()) return refused;
      consumers_.push_back(ConsumerSpec{queue, prefetch, std::move(handler)});
      return Status::ok();
    } catch (...) {
      return Status::internal("rabbitmq: out of memory registering a consumer");
    }
  }

  Status start() noexcept override {
    try {
      std::lock_guard<std::mutex> lock(lifecycleMutex_);
      if (thread_.joinable()) return Status::ok();
      health_.set(Status::unavailable("rabbitmq: connecting to " + options_.host + ":" +
                                      std::to_string(options_.port)));
      commands_.open();
      // The thread gets its own copy of the consumers, so nothing it reads
      // is shared with API threads but the command queue and health cell.
      thread_ = std::thread(
          [this, consumers = consumers_] { runIoThread(options_, consumers, commands_, health_); });
      return Status::ok();
    } catch (const std::exception& error) {
      const Status failed =
          Status::internal(std::string("rabbitmq: cannot start the I/O thread: ") + error.what());
      health_.set(Status::unavailable(failed.message()));
      CommandQueue::Batch left = commands_.close();
      for (PublishCommand& publish : left.publishes) {
        pluginLog().callSafely(publish.done, Status::unavailable(failed.message()));
      }
      return failed;
    }
  }

  void stop() noexcept override {
    try {
      std::lock_guard<std::mutex> lock(lifecycleMutex_);
      if (!thread_.joinable()) return;
      commands_.requestStop();
      thread_.join();
    } catch (const std::exception& error) {
      pluginLog().error(std::string("stop() failed (called from a broker callback?): ") +
                        error.what());
    }
  }

  void publish(QueueRole queue, std::string messageId, std::string body,
               ConfirmCallback done) noexcept override {
    PublishCommand command{queue, std::move(messageId), std::move(body), std::move(done)};
    try {
      if (commands_.postPublish(command)) return;
    } catch (...) {  // out of memory: answered below like a stopped plugin
    }
    if (command.done) {
      pluginLog().callSafely(command.done,
                             Status::unavailable("rabbitmq: the broker plugin is not running"));
    }
  }

  void settle(QueueRole queue, std::uint64_t tag, Settlement how) noexcept override {
    try {
      commands_.postSettle(SettleCommand{queue, tag, how});
    } catch (...) {
      // The delivery stays unsettled until the connection closes, when the
      // broker requeues it.
      pluginLog().error("out of memory: a settle was dropped");
    }
  }

  Status health() noexcept override {
    try {
      return health_.get();
    } catch (...) {
      return Status::internal("rabbitmq: out of memory");
    }
  }

 private:
  const RabbitOptions options_;
  CommandQueue commands_;
  plugin::HealthCell health_{Status::unavailable("rabbitmq: not started")};
  std::mutex lifecycleMutex_;
  std::vector<ConsumerSpec> consumers_ CPE_GUARDED_BY(lifecycleMutex_);
  std::thread thread_ CPE_GUARDED_BY(lifecycleMutex_);
};

Result<std::unique_ptr<Broker>> makeBroker(const plugin::Settings& settings) {
  auto options = parseOptions(settings);
  if (!options.isOk()) return options.status();
  // Nothing connects here: the broker may well be down at creation.
  return std::unique_ptr<Broker>(new RabbitBroker(std::move(options).value()));
}

}  // namespace
}  // namespace cpe::brokers::rabbitmq

CPE_BROKER_PLUGIN("rabbitmq", cpe::brokers::rabbitmq::kConfigKeys,
                  cpe::brokers::rabbitmq::kConfigKeyCount, cpe::brokers::rabbitmq::makeBroker)
