#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <proton/connection.hpp>
#include <proton/container.hpp>
#include <proton/delivery.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/receiver.hpp>
#include <proton/sender.hpp>
#include <proton/session.hpp>
#include <proton/ssl.hpp>
#include <proton/work_queue.hpp>
#include <string>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "cpe/sdk/broker.h"
#include "cpe/sdk/consumers.h"
#include "cpe/sdk/health_cell.h"
#include "cpe/sdk/mutex.h"
#include "cpe/sdk/thread_annotations.h"
#include "proton_options.h"
#include "publish_ledger.h"
#include "url_rotation.h"

namespace cpe::brokers::proton_amqp {

using plugin::ConsumerSpec;

// One start()/stop() run of the plugin: a proton::container on a thread of
// its own, one connection with a sender per queue and a receiver per
// registered consumer, made anew whenever it is lost: on the next of the
// configured URLs at once, with backoff once every URL has failed in turn
// (UrlRotation).
//
// Thread rule: publish(), settle(), health() and stop() may be called from
// any thread but the container's; everything else runs on the container
// thread only, which alone touches Proton objects. Work reaches it through
// the connection's work_queue, and only while the transport is up: while
// disconnected publish() fails at once instead of queueing. Every publish
// is registered in the PublishLedger before it is handed over, and answered
// through it, exactly once.
//
// Links fail one at a time. Each has a session of its own, since RabbitMQ
// 3.10 refuses a link by ending its whole session. When the server
// detaches a sender, refuses it or ends its session, only the publishes to
// that sender's queue are answered kUnavailable (those waiting for it and
// those sent on it and not yet settled); it is opened again after
// reconnectMaxMs, and the other sender carries on meanwhile.
//
// Each sender has at most maxInFlight publishes sent and not yet settled,
// and maxWaitingPublishes more waiting to be sent (PublishLedger refuses
// one more at once), none of them for longer than maxWaitingSeconds.
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
  // OK while every link is attached.
  Status health() noexcept;
  // True while the oldest unanswered publish is older than
  // blockedAfterSeconds; logs when that starts and ends.
  bool blocked() noexcept;

 private:
  // Where a link is on the current connection. kDown: the server detached
  // or refused it, and it waits to be opened again.
  enum class LinkState { kOpening, kAttached, kDown };

  struct Pending {
    QueueRole queue;
    std::uint64_t publishId;
    std::string messageId;
    std::string body;
    std::chrono::steady_clock::time_point since;  // when publish() took it
  };
  // A queue's sender and the publishes it carries.
  struct Outbound {
    explicit Outbound(QueueRole role) : queue(role) {}
    QueueRole queue;
    proton::sender sender;
    LinkState state = LinkState::kOpening;
    std::deque<std::shared_ptr<Pending>> waiting;  // for credit or room in flight
    std::unordered_set<std::uint64_t> inFlight;    // sent, not yet settled
    bool expiryScheduled = false;                  // a look at `waiting` is due
  };
  struct Consumer {
    explicit Consumer(ConsumerSpec consumer) : spec(std::move(consumer)) {}
    ConsumerSpec spec;
    proton::receiver receiver;
    LinkState state = LinkState::kOpening;
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
  void on_sender_detach(proton::sender& sender) override;
  void on_sender_close(proton::sender& sender) override;
  void on_receiver_error(proton::receiver& receiver) override;
  void on_receiver_detach(proton::receiver& receiver) override;
  void on_receiver_close(proton::receiver& receiver) override;
  void on_session_error(proton::session& session) override;
  void on_error(const proton::error_condition& error) override;
  void on_sendable(proton::sender& sender) override;
  void on_message(proton::delivery& delivery, proton::message& message) override;
  void on_tracker_accept(proton::tracker& tracker) override;
  void on_tracker_reject(proton::tracker& tracker) override;
  void on_tracker_release(proton::tracker& tracker) override;
  void on_tracker_settle(proton::tracker& tracker) override;

  // Queues a publish for the container thread; false if no work item can
  // reach it (the connection is closing).
  bool handOverLocked(const std::shared_ptr<Pending>& pending) CPE_REQUIRES(mutex_);

  // Container thread.
  void runContainer() noexcept;
  void connect(proton::container& container);
  // The TLS settings of an amqps:// connection, from the options.
  proton::ssl_client_options tlsOptions() const;
  void scheduleReconnect(proton::container& container);
  void scheduleOnContainer(proton::duration delay, std::function<void()> work);
  void openSender(Outbound& out);
  void openReceiver(Consumer& consumer);
  void linkOpened();
  void senderLost(const proton::sender& sender, const proton::error_condition& error);
  void receiverLost(const proton::receiver& receiver, const proton::error_condition& error);
  Status linkDown(LinkState& state, proton::session session, const std::string& what,
                  const proton::error_condition& error, const std::function<void()>& reopen);
  void drainSubmitted();
  Outbound& outbound(QueueRole queue) { return outbound_[queue == QueueRole::kTasks ? 0 : 1]; }
  void sendWaiting(Outbound& out);
  void scheduleExpiry(Outbound& out);
  void expireWaiting(Outbound& out);
  void trackerDone(proton::tracker& tracker, const Status& status);
  void doSettle(QueueRole queue, std::uint64_t tag, Settlement how);
  void topUpCredit(Consumer& consumer);
  void lostConnection(const Status& why);
  Outbound* outboundOf(const proton::sender& sender);
  Consumer* consumerOf(const proton::receiver& receiver);
  Consumer* consumerOf(QueueRole queue);

  const ProtonOptions options_;
  PublishLedger ledger_;
  std::unique_ptr<proton::container> container_;
  std::thread thread_;

  // Container thread only.
  proton::connection connection_;
  Outbound outbound_[2] = {Outbound(QueueRole::kTasks), Outbound(QueueRole::kResults)};
  std::vector<Consumer> consumers_;
  std::uint32_t containerGeneration_ = 0;
  int reconnectDelayMs_ = 0;  // the next one; reset once a connection has its links
  UrlRotation urls_;

  // Delivery tags carry the generation of the connection in their top half.
  std::atomic<std::uint32_t> generation_{0};

  plugin::HealthCell health_{Status::unavailable("proton: connecting")};

  Mutex mutex_;
  std::condition_variable finished_;
  bool runFinished_ CPE_GUARDED_BY(mutex_) = false;
  bool transportUp_ CPE_GUARDED_BY(mutex_) = false;
  bool stopping_ CPE_GUARDED_BY(mutex_) = false;
  // Valid from on_connection_open until on_transport_close (the final event).
  proton::work_queue* workQueue_ CPE_GUARDED_BY(mutex_) = nullptr;
  std::atomic<bool> blocked_{false};  // as blocked() last found it
  // Publishes handed over but not yet taken by the container thread, and
  // whether a work item to take them is queued: one wake-up carries a batch.
  std::vector<std::shared_ptr<Pending>> submitted_ CPE_GUARDED_BY(mutex_);
  bool drainQueued_ CPE_GUARDED_BY(mutex_) = false;
};

}  // namespace cpe::brokers::proton_amqp
