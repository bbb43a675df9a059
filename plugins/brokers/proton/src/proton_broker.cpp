// The proton broker plugin: cpe::Broker over AMQP 1.0 with Qpid Proton C++,
// and the plugin's one exported entry point.

#include <algorithm>
#include <memory>
#include <new>
#include <utility>
#include <vector>

#include <algorithm>

#include "cpe/sdk/broker.h"
#include "cpe/sdk/mutex.h"
#include "cpe/sdk/plugin_support.h"
#include "cpe/sdk/thread_annotations.h"
#include "proton_log.h"
#include "proton_options.h"
#include "proton_session.h"

namespace cpe::brokers::proton_amqp {
namespace {

// The Broker port over one ProtonSession per start()/stop() run. The methods
// here only find the running session and hand the call to it.
//
// Outside a start()/stop() run there is no plugin thread: publish() then
// calls its callback at once, on the caller's thread, with kUnavailable.
// countReady() always answers at once: kUnimplemented.
// stop() and the destructor must not be called from a callback.
class ProtonBroker final : public Broker {
 public:
  explicit ProtonBroker(ProtonOptions options) : options_(std::move(options)) {}
  ~ProtonBroker() override { stop(); }

  Status consume(QueueRole queue, int prefetch, DeliveryHandler handler) noexcept override {
    try {
      MutexLock lock(lifecycleMutex_);
      if (running_) return Status::invalidArgument("proton: consume() after start()");
      Status refused = plugin::checkNewConsumer("proton", consumers_, queue, prefetch, handler);
      if (!refused.isOk()) return refused;
      consumers_.push_back(ConsumerSpec{queue, prefetch, std::move(handler)});
      return Status::ok();
    } catch (...) {
      return Status::internal("proton: out of memory registering a consumer");
    }
  }

  Status start() noexcept override {
    try {
      MutexLock lock(lifecycleMutex_);
      if (running_) return Status::ok();
      auto session = std::make_shared<ProtonSession>(options_, consumers_);
      session->start();
      {
        MutexLock sessionLock(sessionMutex_);
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
      MutexLock lock(lifecycleMutex_);
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

  void countReady(QueueRole, CountCallback done) noexcept override {
    // AMQP 1.0 has no request for a queue's depth, and RabbitMQ 3.10
    // offers no management node over it to ask instead.
    if (done) {
      pluginLog().callSafely(
          done, Status::unimplemented("proton: AMQP 1.0 cannot count a queue's ready messages"));
    }
  }

  void settle(QueueRole queue, std::uint64_t tag, Settlement how) noexcept override {
    if (std::shared_ptr<ProtonSession> session = current()) session->settle(queue, tag, how);
  }

  Status health() noexcept override {
    if (std::shared_ptr<ProtonSession> session = current()) return session->health();
    return Status::unavailable("proton: not started");
  }

  bool isHeld(QueueRole, std::uint64_t tag) noexcept override {
    std::shared_ptr<ProtonSession> session = current();
    return session && session->isHeld(tag);
  }

  bool blocked() noexcept override {
    std::shared_ptr<ProtonSession> session = current();
    return session && session->blocked();
  }

 private:
  std::shared_ptr<ProtonSession> current() noexcept {
    MutexLock lock(sessionMutex_);
    return session_;
  }

  const ProtonOptions options_;
  Mutex lifecycleMutex_;
  std::vector<ConsumerSpec> consumers_ CPE_GUARDED_BY(lifecycleMutex_);
  bool running_ CPE_GUARDED_BY(lifecycleMutex_) = false;
  Mutex sessionMutex_;
  // The running (or last stopped) session; a stopped one refuses publishes.
  std::shared_ptr<ProtonSession> session_ CPE_GUARDED_BY(sessionMutex_);
};

Result<std::unique_ptr<Broker>> makeBroker(const plugin::Settings& settings) {
  auto options = parseOptions(settings);
  if (!options.isOk()) return options.status();
  const auto& urls = options.value().urls;
  if (!options.value().verifyPeer && std::any_of(urls.begin(), urls.end(), [](const std::string& url) {
        return url.rfind("amqps://", 0) == 0;
      })) {
    pluginLog().warning(
        "proton: broker.proton.verifyPeer = false: TLS to the server without checking its "
        "certificate or host name, so anyone between can read and change the traffic");
  }
  // Nothing connects here: the broker may well be down at creation.
  return std::unique_ptr<Broker>(new ProtonBroker(std::move(options).value()));
}

}  // namespace
}  // namespace cpe::brokers::proton_amqp

CPE_BROKER_PLUGIN("proton", cpe::brokers::proton_amqp::kConfigKeys,
                  cpe::brokers::proton_amqp::kConfigKeyCount, cpe::brokers::proton_amqp::makeBroker)
