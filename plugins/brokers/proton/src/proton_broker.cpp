// The proton broker plugin: cpe::Broker over AMQP 1.0 with Qpid Proton C++,
// and the plugin's one exported entry point.

#include <memory>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

#include "cpe/broker.h"
#include "cpe/plugin.h"
#include "cpe/plugin_support.h"
#include "cpe/thread_annotations.h"
#include "proton_log.h"
#include "proton_options.h"
#include "proton_session.h"

namespace cpe::brokers::proton_amqp {
namespace {

// Credit is a 32-bit count, but a window this large is already a mistake.
constexpr int kMaxPrefetch = 65535;

// The Broker port over one ProtonSession per start()/stop() run. The methods
// here only find the running session and hand the call to it.
//
// Outside a start()/stop() run there is no plugin thread: publish() then
// calls its callback at once, on the caller's thread, with kUnavailable.
// stop() and the destructor must not be called from a callback.
class ProtonBroker final : public Broker {
 public:
  explicit ProtonBroker(ProtonOptions options) : options_(std::move(options)) {}
  ~ProtonBroker() override { stop(); }

  Status consume(QueueRole queue, int prefetch, DeliveryHandler handler) noexcept override {
    try {
      std::lock_guard<std::mutex> lock(lifecycleMutex_);
      if (running_) return Status::invalidArgument("proton: consume() after start()");
      if (prefetch < 1 || prefetch > kMaxPrefetch) {
        return Status::invalidArgument("proton: prefetch must be 1 to 65535, not " +
                                       std::to_string(prefetch));
      }
      if (!handler) return Status::invalidArgument("proton: consume() without a handler");
      for (const ConsumerSpec& consumer : consumers_) {
        if (consumer.queue == queue) {
          return Status::invalidArgument(std::string("proton: the ") + queueRoleName(queue) +
                                         " queue already has a consumer");
        }
      }
      consumers_.push_back(ConsumerSpec{queue, prefetch, std::move(handler)});
      return Status::ok();
    } catch (...) {
      return Status::internal("proton: out of memory registering a consumer");
    }
  }

  Status start() noexcept override {
    try {
      std::lock_guard<std::mutex> lock(lifecycleMutex_);
      if (running_) return Status::ok();
      auto session = std::make_shared<ProtonSession>(options_, consumers_);
      session->start();
      {
        std::lock_guard<std::mutex> sessionLock(sessionMutex_);
        session_ = std::move(session);
      }
      running_ = true;
      return Status::ok();
    } catch (const std::exception& error) {
      return Status::internal(std::string("proton: cannot start the container thread: ") +
                              error.what());
    }
  }

  void stop() noexcept override {
    try {
      std::lock_guard<std::mutex> lock(lifecycleMutex_);
      if (!running_) return;
      std::shared_ptr<ProtonSession> session = current();
      session->stop();
      running_ = false;
      // health() keeps answering from the stopped session ("stopped").
    } catch (const std::exception& error) {
      pluginLog().error(std::string("proton: stop() failed: ") + error.what());
    }
  }

  void publish(QueueRole queue, std::string messageId, std::string body,
               ConfirmCallback done) noexcept override {
    std::shared_ptr<ProtonSession> session = current();
    if (session) {
      session->publish(queue, std::move(messageId), std::move(body), std::move(done));
      return;
    }
    if (done)
      pluginLog().callSafely(done, Status::unavailable("proton: the broker plugin is not running"));
  }

  void settle(QueueRole queue, std::uint64_t tag, Settlement how) noexcept override {
    if (std::shared_ptr<ProtonSession> session = current()) session->settle(queue, tag, how);
  }

  Status health() noexcept override {
    if (std::shared_ptr<ProtonSession> session = current()) return session->health();
    return Status::unavailable("proton: not started");
  }

 private:
  std::shared_ptr<ProtonSession> current() noexcept {
    std::lock_guard<std::mutex> lock(sessionMutex_);
    return session_;
  }

  const ProtonOptions options_;
  std::mutex lifecycleMutex_;
  std::vector<ConsumerSpec> consumers_ CPE_GUARDED_BY(lifecycleMutex_);
  bool running_ CPE_GUARDED_BY(lifecycleMutex_) = false;
  std::mutex sessionMutex_;
  // The running (or last stopped) session; a stopped one refuses publishes.
  std::shared_ptr<ProtonSession> session_ CPE_GUARDED_BY(sessionMutex_);
};

Broker* createBroker(const plugin::Settings& settings, std::string& error) noexcept {
  return plugin::createGuarded<Broker>(
      "proton: cannot create the broker", error, [&]() -> Result<std::unique_ptr<Broker>> {
        auto options = parseOptions(settings);
        if (!options.isOk()) return options.status();
        // Nothing connects here: the broker may well be down at creation.
        return std::unique_ptr<Broker>(new ProtonBroker(std::move(options).value()));
      });
}

}  // namespace
}  // namespace cpe::brokers::proton_amqp

CPE_PLUGIN_EXPORT const cpe::plugin::Descriptor* cpe_plugin_descriptor() noexcept {
  namespace plugin = cpe::plugin;
  namespace proton_amqp = cpe::brokers::proton_amqp;
  static const plugin::Descriptor descriptor{
      plugin::kAbiVersion,       plugin::Kind::kBroker,     "proton",
      plugin::kBuildFingerprint, proton_amqp::kConfigKeys,  proton_amqp::kConfigKeyCount,
      /*createStore=*/nullptr,   proton_amqp::createBroker,
  };
  return &descriptor;
}
