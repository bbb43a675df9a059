#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <proton/connection.hpp>
#include <proton/container.hpp>
#include <proton/delivery.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/receiver.hpp>
#include <proton/sender.hpp>
#include <proton/work_queue.hpp>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "cpe/sdk/broker.h"
#include "cpe/sdk/consumers.h"
#include "cpe/sdk/health_cell.h"
#include "cpe/sdk/thread_annotations.h"
#include "proton_options.h"

namespace cpe::brokers::proton_amqp {

using plugin::ConsumerSpec;

// One start()/stop() run of the plugin: a proton::container on a thread of
// its own, one connection with a sender per queue and a receiver per
// registered consumer, made anew with backoff whenever it is lost.
//
// Thread rule: publish(), settle(), health() and stop() may be called from
// any thread but the container's; everything else runs on the container
// thread only, which alone touches Proton objects. Work reaches it through
// the connection's work_queue, and only while the transport is up: while
// disconnected publish() fails at once instead of queueing.
//
// Every publish is registered in `outstanding_` before it is handed over and
// answered by whoever removes it from there, so its callback runs exactly
// once whatever happens to the work item or the connection.
class ProtonSession final : public proton::messaging_handler {
 public:
  ProtonSession(ProtonOptions options, std::vector<ConsumerSpec> consumers);
  ~ProtonSession() override;
  ProtonSession(const ProtonSession&) = delete;
  ProtonSession& operator=(const ProtonSession&) = delete;

  void start();  // throws std::system_error if no thread can be made
  void stop() noexcept;
  void publish(QueueRole queue, std::string messageId, std::string body,
               Broker::ConfirmCallback done) noexcept;
  void settle(QueueRole queue, std::uint64_t tag, Settlement how) noexcept;
  // The delivery came on the connection that is up now. (A receiver link
  // that failed alone is not seen here: its deliveries look held until the
  // connection goes.)
  bool isHeld(std::uint64_t tag) noexcept;
  Status health() noexcept;
  // True while the oldest unanswered publish is older than
  // blockedAfterSeconds; logs when that starts and ends.
  bool blocked() noexcept;

 private:
  struct Pending {
    QueueRole queue;
    std::uint64_t publishId;
    std::string messageId;
    std::string body;
  };
  struct Outbound {
    proton::sender sender;
    std::deque<std::shared_ptr<Pending>> waiting;
  };
  struct Consumer {
    ConsumerSpec spec;
    proton::receiver receiver;
    std::map<std::uint64_t, proton::delivery> unsettled;
    std::uint32_t nextSequence = 0;
  };

  // proton::messaging_handler, on the container thread.
  void on_container_start(proton::container& container) override;
  void on_connection_open(proton::connection& connection) override;
  void on_connection_error(proton::connection& connection) override;
  void on_transport_error(proton::transport& transport) override;
  void on_transport_close(proton::transport& transport) override;
  void on_sender_open(proton::sender& sender) override;
  void on_receiver_open(proton::receiver& receiver) override;
  void on_sender_error(proton::sender& sender) override;
  void on_session_error(proton::session& session) override;
  void on_error(const proton::error_condition& error) override;
  void on_receiver_error(proton::receiver& receiver) override;
  void on_sendable(proton::sender& sender) override;
  void on_message(proton::delivery& delivery, proton::message& message) override;
  void on_tracker_accept(proton::tracker& tracker) override;
  void on_tracker_reject(proton::tracker& tracker) override;
  void on_tracker_release(proton::tracker& tracker) override;
  void on_tracker_settle(proton::tracker& tracker) override;

  // Container thread.
  void runContainer() noexcept;
  void connect(proton::container& container);
  void scheduleReconnect(proton::container& container);
  void openSender(QueueRole queue);
  void openReceiver(Consumer& consumer);
  void linkOpened();
  void linkFailed(const std::string& what, const proton::error_condition& error,
                  const std::function<void()>& reopen);
  void drainSubmitted();
  void pump();
  void trackerDone(proton::tracker& tracker, const Status& status);
  void doSettle(QueueRole queue, std::uint64_t tag, Settlement how);
  void lostConnection(const Status& why);
  Outbound& outbound(QueueRole queue) { return outbound_[queue == QueueRole::kTasks ? 0 : 1]; }
  Consumer* consumerOf(QueueRole queue);

  // Any thread.
  void complete(std::uint64_t publishId, const Status& status) noexcept;
  void failAllPublishes(const Status& status) noexcept;
  bool isOutstanding(std::uint64_t publishId);

  const ProtonOptions options_;
  std::unique_ptr<proton::container> container_;
  std::thread thread_;

  // Container thread only.
  proton::connection connection_;
  Outbound outbound_[2];
  std::vector<Consumer> consumers_;
  std::unordered_set<std::uint64_t> inFlight_;
  std::uint32_t containerGeneration_ = 0;
  int reconnectDelayMs_ = 0;  // the next one; reset once a connection has its links

  // Delivery tags carry the generation of the connection in their top half.
  std::atomic<std::uint32_t> generation_{0};

  plugin::HealthCell health_{Status::unavailable("proton: connecting")};

  std::mutex mutex_;
  std::condition_variable finished_;
  bool runFinished_ CPE_GUARDED_BY(mutex_) = false;
  bool transportUp_ CPE_GUARDED_BY(mutex_) = false;
  bool linksReady_ CPE_GUARDED_BY(mutex_) = false;
  bool stopping_ CPE_GUARDED_BY(mutex_) = false;
  // Valid from on_connection_open until on_transport_close (the final event).
  proton::work_queue* workQueue_ CPE_GUARDED_BY(mutex_) = nullptr;
  std::uint64_t nextPublishId_ CPE_GUARDED_BY(mutex_) = 1;
  struct Outstanding {
    Broker::ConfirmCallback done;
    std::chrono::steady_clock::time_point since;
  };
  // By publish id, so the oldest comes first.
  std::map<std::uint64_t, Outstanding> outstanding_ CPE_GUARDED_BY(mutex_);
  std::atomic<bool> blocked_{false};  // as blocked() last found it
  // Publishes handed over but not yet taken by the container thread, and
  // whether a work item to take them is queued: one wake-up carries a batch.
  std::vector<std::shared_ptr<Pending>> submitted_ CPE_GUARDED_BY(mutex_);
  bool drainQueued_ CPE_GUARDED_BY(mutex_) = false;
};

}  // namespace cpe::brokers::proton_amqp
