#include "proton_session.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>
#include <proton/connection_options.hpp>
#include <proton/error_condition.hpp>
#include <proton/message.hpp>
#include <proton/message_id.hpp>
#include <proton/receiver_options.hpp>
#include <proton/sender_options.hpp>
#include <proton/session.hpp>
#include <proton/source_options.hpp>
#include <proton/ssl.hpp>
#include <proton/target_options.hpp>
#include <proton/tracker.hpp>
#include <proton/transport.hpp>
#include <utility>

#include "cpe/sdk/mutex.h"
#include "proton_errors.h"
#include "proton_log.h"

namespace cpe::brokers::proton_amqp {
namespace {

// How long stop() lets a connection close cleanly (settles and the close
// frame reach the server) before it aborts it: a silent server must not hang
// stop().
constexpr std::chrono::milliseconds kCloseGrace{2000};

// How often a sender's waiting publishes are looked at while there are any.
// maxWaitingSeconds needs no finer look, and no timer may be set further
// ahead: Proton 0.37 cannot cancel one, and container.stop() waits for it.
constexpr std::chrono::milliseconds kExpiryTick{1000};

// Debian's ca-certificates bundle: the trust of amqps:// without a caFile.
constexpr const char* kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";

proton::binary tagOf(std::uint64_t publishId) {
  proton::binary tag(sizeof publishId);
  std::memcpy(tag.data(), &publishId, sizeof publishId);
  return tag;
}

std::uint64_t publishIdOf(const proton::binary& tag) {
  std::uint64_t publishId = 0;
  if (tag.size() == sizeof publishId) std::memcpy(&publishId, tag.data(), sizeof publishId);
  return publishId;
}

std::string textOf(const proton::value& body) {
  if (body.type() == proton::BINARY) {
    const auto bytes = proton::get<proton::binary>(body);
    return std::string(bytes.begin(), bytes.end());
  }
  if (body.type() == proton::STRING) return proton::get<std::string>(body);
  return proton::to_string(body);
}

std::string textOf(const proton::message_id& id) {
  if (id.type() == proton::STRING) return proton::get<std::string>(id);
  return proton::to_string(id);
}

}  // namespace

ProtonSession::ProtonSession(ProtonOptions options, std::vector<ConsumerSpec> consumers)
    : options_(std::move(options)),
      ledger_(static_cast<std::size_t>(options_.maxWaitingPublishes)),
      urls_(options_.urls) {
  for (ConsumerSpec& spec : consumers) consumers_.emplace_back(std::move(spec));
}

ProtonSession::~ProtonSession() { stop(); }

void ProtonSession::start() {
  container_ = std::make_unique<proton::container>(*this, "cpe-broker-proton");
  thread_ = std::thread([this] { runContainer(); });
}

void ProtonSession::runContainer() noexcept {
  try {
    container_->run();
  } catch (const std::exception& error) {
    // A URL Proton cannot use, say: nothing will connect until restarted.
    const Status failed =
        Status::unavailable(std::string("proton: the container stopped: ") + error.what());
    pluginLog().error(failed.message());
    health_.set(failed);
  }
  {
    MutexLock lock(mutex_);
    runFinished_ = true;
    transportUp_ = false;
    workQueue_ = nullptr;
  }
  finished_.notify_all();
}

void ProtonSession::stop() noexcept {
  if (!thread_.joinable()) return;
  try {
    {
      MutexLock lock(mutex_);
      stopping_ = true;
      // Close cleanly when connected, so settles already queued go out first.
      if (transportUp_ && workQueue_ != nullptr &&
          workQueue_->add([this] { connection_.close(); })) {
        finished_.wait_for(lock.native(), kCloseGrace,
                           [this]() CPE_REQUIRES(mutex_) { return runFinished_; });
      }
    }
    container_->stop();
    thread_.join();
  } catch (const std::exception& error) {
    pluginLog().error(std::string("proton: stop() failed (called from a broker callback?): ") +
                      error.what());
    return;
  }
  health_.set(Status::unavailable("proton: stopped"));
  ledger_.detachAll(Status::unavailable("proton: the broker plugin stopped"));
}

Status ProtonSession::health() noexcept {
  try {
    return health_.get();
  } catch (...) {
    return Status::internal("proton: out of memory");
  }
}

void ProtonSession::publish(QueueRole queue, std::string messageId, std::string body,
                            Broker::ConfirmCallback done) noexcept {
  Status refusal = Status::unavailable("proton: not connected");
  std::optional<std::uint64_t> admitted;  // registered, so the ledger answers it
  try {
    auto pending = std::make_shared<Pending>(
        Pending{queue, 0, std::move(messageId), std::move(body), std::chrono::steady_clock::now()});
    MutexLock lock(mutex_);
    if (stopping_ || !transportUp_ || workQueue_ == nullptr) {
      if (Status health = health_.get(); !health.isOk()) {
        refusal = Status::unavailable(health.message());
      }
    } else if (Result<std::uint64_t> id = ledger_.admit(queue, done, pending->since); !id.isOk()) {
      refusal = id.status();
    } else {
      pending->publishId = id.value();
      admitted = id.value();
      if (handOverLocked(pending)) return;
      refusal = Status::unavailable("proton: the connection is closing");
    }
  } catch (...) {
    refusal = Status::unavailable("proton: out of memory queueing a publish");
  }
  if (admitted) {
    ledger_.answer(*admitted, refusal);
  } else if (done) {
    pluginLog().callSafely(done, refusal);
  }
}

bool ProtonSession::handOverLocked(const std::shared_ptr<Pending>& pending) {
  submitted_.push_back(pending);
  if (drainQueued_ || workQueue_->add([this] { drainSubmitted(); })) {
    drainQueued_ = true;
    return true;
  }
  submitted_.pop_back();
  return false;
}

void ProtonSession::settle(QueueRole queue, std::uint64_t tag, Settlement how) noexcept {
  // A tag of an earlier connection: the server has requeued that message.
  if ((tag >> 32) != generation_.load()) return;
  try {
    MutexLock lock(mutex_);
    if (!transportUp_ || workQueue_ == nullptr) return;
    workQueue_->add([this, queue, tag, how] { doSettle(queue, tag, how); });
  } catch (...) {
    // Left unsettled, the delivery returns to its queue with the connection.
    pluginLog().error("proton: out of memory: a settle was dropped");
  }
}

bool ProtonSession::isHeld(std::uint64_t tag) noexcept {
  if ((tag >> 32) != generation_.load()) return false;
  MutexLock lock(mutex_);
  return transportUp_;
}

bool ProtonSession::blocked() noexcept {
  using std::chrono::seconds;
  seconds held{0};
  if (const auto oldest = ledger_.oldest()) {
    held = std::chrono::duration_cast<seconds>(std::chrono::steady_clock::now() - *oldest);
  }
  const bool blocked = held >= seconds(options_.blockedAfterSeconds);
  if (blocked_.exchange(blocked) != blocked) {
    try {
      if (blocked) {
        pluginLog().warning("proton: a publish has waited " + std::to_string(held.count()) +
                            " s for credit or settlement: the server holds our publishes back; "
                            "new tasks wait in the store");
      } else {
        pluginLog().information("proton: publishes are settled again");
      }
    } catch (...) {  // out of memory: the gauge still tells
    }
  }
  return blocked;
}

// ---- the container thread ----

void ProtonSession::on_container_start(proton::container& container) {
  reconnectDelayMs_ = options_.reconnectInitialMs;
  connect(container);
}

void ProtonSession::connect(proton::container& container) {
  // No proton::reconnect_options: Proton re-attaches after a reconnect only
  // the links still open on its side, and a server that ends the session
  // before dropping the socket (RabbitMQ's stop_app) leaves none, so the
  // connection came back without links. Every attempt is a new connection
  // that opens its own links; on_transport_close schedules the next one.
  proton::connection_options connection;
  connection.user(options_.username)
      .password(options_.password)
      .sasl_enabled(true)
      .sasl_allow_insecure_mechs(true)
      .sasl_allowed_mechs("PLAIN");
  if (options_.idleTimeoutMs > 0) connection.idle_timeout(proton::duration(options_.idleTimeoutMs));
  const std::string& url = urls_.current();
  if (url.rfind("amqps://", 0) == 0) connection.ssl_client_options(tlsOptions());
  container.connect(url, connection);
}

// TLS 1.2 at least: the minimum of Debian's OpenSSL configuration, which
// Proton's OpenSSL layer keeps (its C++ API sets no protocol versions).
proton::ssl_client_options ProtonSession::tlsOptions() const {
  const auto mode =
      options_.verifyPeer ? proton::ssl::VERIFY_PEER_NAME : proton::ssl::ANONYMOUS_PEER;
  // Proton takes no "system store" for trust: without caFile, the usual
  // bundle of Debian's ca-certificates.
  const std::string trusted =
      options_.caFile.empty() ? std::string(kSystemCaBundle) : options_.caFile;
  if (options_.clientCertificateFile.empty()) return proton::ssl_client_options(trusted, mode);
  return proton::ssl_client_options(
      proton::ssl_certificate(options_.clientCertificateFile, options_.clientKeyFile), trusted,
      mode);
}

void ProtonSession::scheduleReconnect(proton::container& container) {
  // The next URL at once; a backoff only once every URL has failed in turn.
  int delayMs = 0;
  if (urls_.moveOn()) {
    delayMs = reconnectDelayMs_;
    reconnectDelayMs_ = std::min(options_.reconnectMaxMs, delayMs * 2);
  }
  if (urls_.size() > 1) {
    pluginLog().information("proton: connecting to " + urls_.current() + " in " +
                            std::to_string(delayMs) + " ms");
  }
  container.schedule(proton::duration(delayMs), [this, &container] {
    {
      MutexLock lock(mutex_);
      if (stopping_) return;
    }
    connect(container);
  });
}

// Each link on a session of its own: see the class comment.
void ProtonSession::openSender(Outbound& out) {
  // CONFIGURATION durability lets /queue/NAME addresses reach a durable queue
  // too; /amq/queue/NAME ignores it.
  proton::sender_options options;
  options.target(proton::target_options().durability_mode(proton::terminus::CONFIGURATION));
  out.state = LinkState::kOpening;
  out.sender = connection_.open_session().open_sender(options_.address(out.queue), options);
}

void ProtonSession::openReceiver(Consumer& consumer) {
  // Credit is granted by hand, one per settled delivery, so that `prefetch`
  // bounds the unsettled deliveries (credit_window would refill on arrival).
  proton::receiver_options options;
  options.auto_accept(false).credit_window(0).source(
      proton::source_options().durability_mode(proton::terminus::CONFIGURATION));
  consumer.state = LinkState::kOpening;
  consumer.receiver =
      connection_.open_session().open_receiver(options_.address(consumer.spec.queue), options);
}

void ProtonSession::on_connection_open(proton::connection& connection) {
  connection_ = connection;
  generation_.store(++containerGeneration_);
  for (Outbound& out : outbound_) openSender(out);
  for (Consumer& consumer : consumers_) openReceiver(consumer);
  MutexLock lock(mutex_);
  transportUp_ = true;
  workQueue_ = &connection.work_queue();
  const std::string node = urls_.size() > 1 ? " (node " + std::to_string(urls_.index() + 1) +
                                                  " of " + std::to_string(urls_.size()) + ")"
                                            : "";
  pluginLog().information("proton: connected to " + urls_.current() + node);
}

void ProtonSession::on_sender_open(proton::sender& sender) {
  Outbound* out = outboundOf(sender);
  if (out == nullptr || out->state != LinkState::kOpening) return;
  out->state = LinkState::kAttached;
  ledger_.attach(out->queue);
  linkOpened();
}

void ProtonSession::on_receiver_open(proton::receiver& receiver) {
  Consumer* consumer = consumerOf(receiver);
  if (consumer == nullptr || consumer->state != LinkState::kOpening) return;
  consumer->state = LinkState::kAttached;
  topUpCredit(*consumer);
  linkOpened();
}

void ProtonSession::linkOpened() {
  bool ready = true;
  for (const Outbound& out : outbound_) ready = ready && out.state == LinkState::kAttached;
  for (const Consumer& consumer : consumers_) {
    ready = ready && consumer.state == LinkState::kAttached;
  }
  if (!ready) return;
  reconnectDelayMs_ = options_.reconnectInitialMs;
  urls_.restartTurn();
  health_.set(Status::ok());
}

// The server closes or detaches a link to refuse it or to end it (its
// queue was deleted, say); the error, if any, says why.
void ProtonSession::on_sender_error(proton::sender& sender) { senderLost(sender, sender.error()); }
void ProtonSession::on_sender_detach(proton::sender& sender) { senderLost(sender, sender.error()); }
void ProtonSession::on_sender_close(proton::sender& sender) { senderLost(sender, sender.error()); }

void ProtonSession::on_receiver_error(proton::receiver& receiver) {
  receiverLost(receiver, receiver.error());
}
void ProtonSession::on_receiver_detach(proton::receiver& receiver) {
  receiverLost(receiver, receiver.error());
}
void ProtonSession::on_receiver_close(proton::receiver& receiver) {
  receiverLost(receiver, receiver.error());
}

// RabbitMQ 3.10 refuses a link by ending its session: that link is lost.
void ProtonSession::on_session_error(proton::session& session) {
  for (Outbound& out : outbound_) {
    if (out.sender.session() == session) senderLost(out.sender, session.error());
  }
  for (Consumer& consumer : consumers_) {
    if (consumer.receiver.session() == session) receiverLost(consumer.receiver, session.error());
  }
}

// Answers what the sender carried, and only that: the other sender's
// publishes are none of its business.
void ProtonSession::senderLost(const proton::sender& sender, const proton::error_condition& error) {
  Outbound* out = outboundOf(sender);
  if (out == nullptr || out->state == LinkState::kDown) return;  // an earlier link, or known
  const std::string what =
      std::string(queueRoleName(out->queue)) + " sender to " + options_.address(out->queue);
  const Status why =
      linkDown(out->state, out->sender.session(), what, error, [this, out] { openSender(*out); });
  out->waiting.clear();
  out->inFlight.clear();
  ledger_.detach(out->queue, why);
  MutexLock lock(mutex_);
  // Handed over before detach(), which answered them: nothing left to send.
  submitted_.erase(std::remove_if(submitted_.begin(), submitted_.end(),
                                  [queue = out->queue](const std::shared_ptr<Pending>& pending) {
                                    return pending->queue == queue;
                                  }),
                   submitted_.end());
}

void ProtonSession::receiverLost(const proton::receiver& receiver,
                                 const proton::error_condition& error) {
  Consumer* consumer = consumerOf(receiver);
  if (consumer == nullptr || consumer->state == LinkState::kDown) return;
  // Its deliveries return to the queue with the link: settles of them are dropped.
  consumer->unsettled.clear();
  const QueueRole queue = consumer->spec.queue;
  linkDown(consumer->state, consumer->receiver.session(),
           std::string(queueRoleName(queue)) + " receiver from " + options_.address(queue), error,
           [this, consumer] { openReceiver(*consumer); });
}

// Timers go on the container, never on a connection's work_queue: Proton
// 0.37 runs a connection's scheduled work through that connection's context,
// which is freed with the connection, so a timer outliving it crashed the host.
// Called on the container thread; the work runs there too.
void ProtonSession::scheduleOnContainer(proton::duration delay, std::function<void()> work) {
  container_->schedule(delay, std::move(work));
}

// Logs the link lost and shows it in health(); closes its session, so the
// server frees what it held for it; and opens it again on a new session
// after the longest reconnect delay, on the same connection.
Status ProtonSession::linkDown(LinkState& state, proton::session session, const std::string& what,
                               const proton::error_condition& error,
                               const std::function<void()>& reopen) {
  state = LinkState::kDown;
  Status why = statusFromCondition(what, error);
  pluginLog().warning(why.toString() + "; opening it again in " +
                      std::to_string(options_.reconnectMaxMs) + " ms");
  health_.set(why);
  session.close();
  const std::uint32_t generation = containerGeneration_;
  scheduleOnContainer(proton::duration(options_.reconnectMaxMs), [this, generation, reopen] {
    if (generation != containerGeneration_) return;
    if (connection_.active()) reopen();
  });
  return why;
}

void ProtonSession::drainSubmitted() {
  std::vector<std::shared_ptr<Pending>> batch;
  {
    MutexLock lock(mutex_);
    batch.swap(submitted_);
    drainQueued_ = false;
  }
  for (const std::shared_ptr<Pending>& pending : batch) {
    outbound(pending->queue).waiting.push_back(pending);
  }
  for (Outbound& out : outbound_) {
    sendWaiting(out);
    scheduleExpiry(out);
  }
}

void ProtonSession::on_sendable(proton::sender& sender) {
  if (Outbound* out = outboundOf(sender)) sendWaiting(*out);
}

void ProtonSession::sendWaiting(Outbound& out) {
  const auto maxInFlight = static_cast<std::size_t>(options_.maxInFlight);
  while (!out.waiting.empty() && out.inFlight.size() < maxInFlight &&
         out.state == LinkState::kAttached && out.sender.credit() > 0) {
    const std::shared_ptr<Pending> pending = out.waiting.front();
    out.waiting.pop_front();
    if (!ledger_.markSent(pending->publishId)) continue;  // answered meanwhile
    proton::message message;
    message.id(pending->messageId);
    message.content_type("application/json");
    message.durable(true);
    message.body(proton::binary(pending->body.begin(), pending->body.end()));
    out.sender.send(message, tagOf(pending->publishId));
    out.inFlight.insert(pending->publishId);
  }
}

// Looks at the sender's waiting publishes once a tick while there are any.
void ProtonSession::scheduleExpiry(Outbound& out) {
  if (out.waiting.empty() || out.expiryScheduled) return;
  out.expiryScheduled = true;
  auto look = [this, &out, generation = containerGeneration_] {
    if (generation != containerGeneration_) return;  // lostConnection() cleared it all
    out.expiryScheduled = false;
    expireWaiting(out);
    scheduleExpiry(out);
  };
  scheduleOnContainer(proton::duration(kExpiryTick.count()), std::move(look));
}

// A publish still waiting after maxWaitingSeconds has a sender the server
// gives no credit, or settles nothing sent on: its caller hears so now,
// rather than when the connection is given up, if ever.
void ProtonSession::expireWaiting(Outbound& out) {
  const auto oldestAllowed =
      std::chrono::steady_clock::now() - std::chrono::seconds(options_.maxWaitingSeconds);
  const auto expired = [&] {
    return !out.waiting.empty() && out.waiting.front()->since <= oldestAllowed;
  };
  if (!expired()) return;
  const Status why = Status::unavailable(
      "proton: a publish to the " + std::string(queueRoleName(out.queue)) + " queue waited " +
      std::to_string(options_.maxWaitingSeconds) +
      " s for its sender (maxWaitingSeconds): the server gives it no credit or settles nothing "
      "sent on it");
  for (; expired(); out.waiting.pop_front()) ledger_.answer(out.waiting.front()->publishId, why);
}

void ProtonSession::trackerDone(proton::tracker& tracker, const Status& status) {
  const std::uint64_t publishId = publishIdOf(tracker.tag());
  ledger_.answer(publishId, status);
  // A sender lost since has no Outbound: its publishes were answered with it.
  if (Outbound* out = outboundOf(tracker.sender())) {
    out->inFlight.erase(publishId);
    sendWaiting(*out);
  }
}

void ProtonSession::on_tracker_accept(proton::tracker& tracker) {
  trackerDone(tracker, Status::ok());
}

void ProtonSession::on_tracker_reject(proton::tracker& tracker) {
  trackerDone(tracker, Status::unavailable("proton: the server rejected the message"));
}

void ProtonSession::on_tracker_release(proton::tracker& tracker) {
  trackerDone(tracker, Status::unavailable("proton: the server released the message unstored"));
}

void ProtonSession::on_tracker_settle(proton::tracker& tracker) {
  // After an outcome this finds nothing left to answer.
  trackerDone(tracker, Status::unavailable("proton: the server settled without an outcome"));
}

ProtonSession::Outbound* ProtonSession::outboundOf(const proton::sender& sender) {
  for (Outbound& out : outbound_) {
    if (out.sender == sender) return &out;
  }
  return nullptr;
}

ProtonSession::Consumer* ProtonSession::consumerOf(const proton::receiver& receiver) {
  for (Consumer& consumer : consumers_) {
    if (consumer.receiver == receiver) return &consumer;
  }
  return nullptr;
}

ProtonSession::Consumer* ProtonSession::consumerOf(QueueRole queue) {
  for (Consumer& consumer : consumers_) {
    if (consumer.spec.queue == queue) return &consumer;
  }
  return nullptr;
}

void ProtonSession::on_message(proton::delivery& delivery, proton::message& message) {
  Consumer* consumer = consumerOf(delivery.receiver());
  if (consumer == nullptr) return;
  const std::uint64_t tag =
      (static_cast<std::uint64_t>(containerGeneration_) << 32) | ++consumer->nextSequence;
  consumer->unsettled.emplace(tag, delivery);
  Delivery handed;
  handed.queue = consumer->spec.queue;
  handed.tag = tag;
  handed.messageId = textOf(message.id());
  handed.body = textOf(message.body());
  handed.redelivered = !message.first_acquirer() || message.delivery_count() > 0;
  handed.receivedAt = std::chrono::steady_clock::now();
  pluginLog().callSafely(consumer->spec.handler, std::move(handed));
  topUpCredit(*consumer);
}

// Grants credit only once the last grant is used up, for what settling has
// freed: credit + unsettled <= prefetch. A flow sent while deliveries are on
// the wire carries a stale delivery-count, and RabbitMQ 3.10 then granted
// more than was asked (a consumer of prefetch 5, topped up by one per
// settle, was seen holding 10 unsettled).
void ProtonSession::topUpCredit(Consumer& consumer) {
  if (!consumer.receiver.active() || consumer.receiver.credit() > 0) return;
  const int missing = consumer.spec.prefetch - static_cast<int>(consumer.unsettled.size());
  if (missing > 0) consumer.receiver.add_credit(static_cast<std::uint32_t>(missing));
}

void ProtonSession::doSettle(QueueRole queue, std::uint64_t tag, Settlement how) {
  Consumer* consumer = consumerOf(queue);
  if (consumer == nullptr) return;
  auto found = consumer->unsettled.find(tag);
  if (found == consumer->unsettled.end()) return;
  proton::delivery delivery = found->second;
  consumer->unsettled.erase(found);
  switch (how) {
    case Settlement::kAck:
      delivery.accept();
      break;
    case Settlement::kRequeue:
      delivery.release();  // RabbitMQ: requeued, redelivered later
      break;
    case Settlement::kDeadLetter:
      delivery.reject();  // RabbitMQ: not requeued, so dead-lettered
      break;
  }
  topUpCredit(*consumer);
}

void ProtonSession::lostConnection(const Status& why) {
  {
    MutexLock lock(mutex_);
    // A queued drain may never run on this connection; its publishes are
    // answered by detachAll() below.
    submitted_.clear();
    drainQueued_ = false;
    transportUp_ = false;
    health_.set(why);
  }
  for (Outbound& out : outbound_) {
    out.state = LinkState::kOpening;
    out.waiting.clear();
    out.inFlight.clear();
    out.expiryScheduled = false;
  }
  for (Consumer& consumer : consumers_) {
    consumer.state = LinkState::kOpening;
    consumer.unsettled.clear();
  }
  ledger_.detachAll(why);
}

void ProtonSession::on_transport_error(proton::transport& transport) {
  const Status status = statusFromCondition("connection to " + urls_.current(), transport.error());
  pluginLog().warning(status.toString() + "; reconnecting");
  lostConnection(status);
}

void ProtonSession::on_connection_error(proton::connection& connection) {
  const Status status = statusFromCondition("connection to " + urls_.current(), connection.error());
  pluginLog().error(status.toString());
  lostConnection(status);
}

// The default would throw out of the event loop.
void ProtonSession::on_error(const proton::error_condition& error) {
  pluginLog().error(statusFromCondition("error", error).toString());
}

void ProtonSession::on_transport_close(proton::transport& transport) {
  lostConnection(transport.error().empty()
                     ? Status::unavailable("proton: connection closed")
                     : statusFromCondition("connection to " + urls_.current(), transport.error()));
  {
    MutexLock lock(mutex_);
    workQueue_ = nullptr;
    if (stopping_) return;
  }
  scheduleReconnect(transport.connection().container());
}

}  // namespace cpe::brokers::proton_amqp
