#include "proton_session.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <proton/connection_options.hpp>
#include <proton/error_condition.hpp>
#include <proton/message.hpp>
#include <proton/message_id.hpp>
#include <proton/receiver_options.hpp>
#include <proton/sender_options.hpp>
#include <proton/session.hpp>
#include <proton/source_options.hpp>
#include <proton/target_options.hpp>
#include <proton/tracker.hpp>
#include <proton/transport.hpp>
#include <utility>

#include "proton_errors.h"
#include "proton_log.h"

namespace cpe::brokers::proton_amqp {
namespace {

// How long stop() lets a connection close cleanly (settles and the close
// frame reach the server) before it aborts it: a silent server must not hang
// stop().
constexpr std::chrono::milliseconds kCloseGrace{2000};

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
    : options_(std::move(options)) {
  for (ConsumerSpec& spec : consumers) consumers_.push_back(Consumer{std::move(spec), {}, {}, 0});
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
    std::lock_guard<std::mutex> lock(mutex_);
    runFinished_ = true;
    transportUp_ = false;
    linksReady_ = false;
    workQueue_ = nullptr;
  }
  finished_.notify_all();
}

void ProtonSession::stop() noexcept {
  if (!thread_.joinable()) return;
  try {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      stopping_ = true;
      // Close cleanly when connected, so settles already queued go out first.
      if (transportUp_ && workQueue_ != nullptr &&
          workQueue_->add([this] { connection_.close(); })) {
        finished_.wait_for(lock, kCloseGrace, [this] { return runFinished_; });
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
  failAllPublishes(Status::unavailable("proton: the broker plugin stopped"));
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
  try {
    auto pending =
        std::make_shared<Pending>(Pending{queue, 0, std::move(messageId), std::move(body)});
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || !transportUp_ || !linksReady_ || workQueue_ == nullptr) {
      if (Status health = health_.get(); !health.isOk()) refusal = std::move(health);
    } else {
      pending->publishId = nextPublishId_++;
      outstanding_.emplace(pending->publishId,
                           Outstanding{std::move(done), std::chrono::steady_clock::now()});
      submitted_.push_back(pending);
      if (drainQueued_ || workQueue_->add([this] { drainSubmitted(); })) {
        drainQueued_ = true;
        return;
      }
      submitted_.pop_back();
      done = std::move(outstanding_[pending->publishId].done);
      outstanding_.erase(pending->publishId);
      refusal = Status::unavailable("proton: the connection is closing");
    }
  } catch (...) {
    refusal = Status::unavailable("proton: out of memory queueing a publish");
  }
  if (done) pluginLog().callSafely(done, refusal);
}

void ProtonSession::settle(QueueRole queue, std::uint64_t tag, Settlement how) noexcept {
  // A tag of an earlier connection: the server has requeued that message.
  if ((tag >> 32) != generation_.load()) return;
  try {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!transportUp_ || workQueue_ == nullptr) return;
    workQueue_->add([this, queue, tag, how] { doSettle(queue, tag, how); });
  } catch (...) {
    // Left unsettled, the delivery returns to its queue with the connection.
    pluginLog().error("proton: out of memory: a settle was dropped");
  }
}

bool ProtonSession::isHeld(std::uint64_t tag) noexcept {
  if ((tag >> 32) != generation_.load()) return false;
  std::lock_guard<std::mutex> lock(mutex_);
  return transportUp_;
}

void ProtonSession::complete(std::uint64_t publishId, const Status& status) noexcept {
  Broker::ConfirmCallback done;
  try {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = outstanding_.find(publishId);
    if (found == outstanding_.end()) return;
    done = std::move(found->second.done);
    outstanding_.erase(found);
  } catch (...) {
    return;
  }
  if (done) pluginLog().callSafely(done, status);
}

void ProtonSession::failAllPublishes(const Status& status) noexcept {
  std::map<std::uint64_t, Outstanding> failed;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    failed.swap(outstanding_);
  }
  for (auto& [publishId, publish] : failed) {
    if (publish.done) pluginLog().callSafely(publish.done, status);
  }
}

bool ProtonSession::blocked() noexcept {
  using std::chrono::seconds;
  seconds held{0};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!outstanding_.empty()) {
      held = std::chrono::duration_cast<seconds>(std::chrono::steady_clock::now() -
                                                 outstanding_.begin()->second.since);
    }
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

bool ProtonSession::isOutstanding(std::uint64_t publishId) {
  std::lock_guard<std::mutex> lock(mutex_);
  return outstanding_.count(publishId) != 0;
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
  container.connect(options_.url, connection);
}

void ProtonSession::scheduleReconnect(proton::container& container) {
  const int delayMs = reconnectDelayMs_;
  reconnectDelayMs_ = std::min(options_.reconnectMaxMs, delayMs * 2);
  container.schedule(proton::duration(delayMs), [this, &container] {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
    }
    connect(container);
  });
}

void ProtonSession::openSender(QueueRole queue) {
  // CONFIGURATION durability lets /queue/NAME addresses reach a durable queue
  // too; /amq/queue/NAME ignores it.
  proton::sender_options options;
  options.target(proton::target_options().durability_mode(proton::terminus::CONFIGURATION));
  outbound(queue).sender = connection_.open_sender(options_.address(queue), options);
}

void ProtonSession::openReceiver(Consumer& consumer) {
  // Credit is granted by hand, one per settled delivery, so that `prefetch`
  // bounds the unsettled deliveries (credit_window would refill on arrival).
  proton::receiver_options options;
  options.auto_accept(false).credit_window(0).source(
      proton::source_options().durability_mode(proton::terminus::CONFIGURATION));
  consumer.receiver = connection_.open_receiver(options_.address(consumer.spec.queue), options);
}

void ProtonSession::on_connection_open(proton::connection& connection) {
  connection_ = connection;
  generation_.store(++containerGeneration_);
  openSender(QueueRole::kTasks);
  openSender(QueueRole::kResults);
  for (Consumer& consumer : consumers_) openReceiver(consumer);
  std::lock_guard<std::mutex> lock(mutex_);
  transportUp_ = true;
  workQueue_ = &connection.work_queue();
  pluginLog().information("proton: connected to " + options_.url);
}

void ProtonSession::on_sender_open(proton::sender&) { linkOpened(); }

void ProtonSession::on_receiver_open(proton::receiver& receiver) {
  for (Consumer& consumer : consumers_) {
    if (consumer.receiver != receiver) continue;
    const int missing = consumer.spec.prefetch - receiver.credit();
    if (missing > 0) receiver.add_credit(static_cast<std::uint32_t>(missing));
  }
  linkOpened();
}

void ProtonSession::linkOpened() {
  bool ready =
      outbound(QueueRole::kTasks).sender.active() && outbound(QueueRole::kResults).sender.active();
  for (const Consumer& consumer : consumers_) ready = ready && consumer.receiver.active();
  if (!ready) return;
  reconnectDelayMs_ = options_.reconnectInitialMs;
  std::lock_guard<std::mutex> lock(mutex_);
  linksReady_ = true;
  health_.set(Status::ok());
}

void ProtonSession::on_sender_error(proton::sender& sender) {
  for (QueueRole queue : {QueueRole::kTasks, QueueRole::kResults}) {
    if (outbound(queue).sender != sender) continue;
    linkFailed(std::string(queueRoleName(queue)) + " sender to " + options_.address(queue),
               sender.error(),
               [this, queue] { openSender(queue); });
  }
}

void ProtonSession::on_receiver_error(proton::receiver& receiver) {
  for (Consumer& consumer : consumers_) {
    if (consumer.receiver != receiver) continue;
    consumer.unsettled.clear();
    linkFailed(std::string(queueRoleName(consumer.spec.queue)) + " receiver from " +
                   options_.address(consumer.spec.queue),
               receiver.error(),
               [this, &consumer] { openReceiver(consumer); });
  }
}

// A link the server detached (its queue is missing, say): everything in
// flight is answered unavailable and the link is opened again after the
// longest reconnect delay, on the same connection.
void ProtonSession::linkFailed(const std::string& what, const proton::error_condition& error,
                               const std::function<void()>& reopen) {
  const Status status = statusFromCondition(what, error);
  pluginLog().warning(status.toString());
  {
    std::lock_guard<std::mutex> lock(mutex_);
    linksReady_ = false;
    health_.set(status);
  }
  for (Outbound& out : outbound_) out.waiting.clear();
  inFlight_.clear();
  failAllPublishes(status);
  const std::uint32_t generation = containerGeneration_;
  connection_.work_queue().schedule(proton::duration(options_.reconnectMaxMs),
                                    [this, generation, reopen] {
                                      if (generation != containerGeneration_) return;
                                      if (connection_.active()) reopen();
                                    });
}

void ProtonSession::drainSubmitted() {
  std::vector<std::shared_ptr<Pending>> batch;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    batch.swap(submitted_);
    drainQueued_ = false;
  }
  for (const std::shared_ptr<Pending>& pending : batch) {
    outbound(pending->queue).waiting.push_back(pending);
  }
  pump();
}

void ProtonSession::on_sendable(proton::sender&) { pump(); }

void ProtonSession::pump() {
  const std::size_t limit = static_cast<std::size_t>(options_.maxInFlight);
  for (Outbound& out : outbound_) {
    while (!out.waiting.empty() && inFlight_.size() < limit && out.sender.active() &&
           out.sender.credit() > 0) {
      const std::shared_ptr<Pending> pending = out.waiting.front();
      out.waiting.pop_front();
      if (!isOutstanding(pending->publishId)) continue;
      proton::message message;
      message.id(pending->messageId);
      message.content_type("application/json");
      message.durable(true);
      message.body(proton::binary(pending->body.begin(), pending->body.end()));
      out.sender.send(message, tagOf(pending->publishId));
      inFlight_.insert(pending->publishId);
    }
  }
}

void ProtonSession::trackerDone(proton::tracker& tracker, const Status& status) {
  const std::uint64_t publishId = publishIdOf(tracker.tag());
  inFlight_.erase(publishId);
  complete(publishId, status);
  pump();
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

ProtonSession::Consumer* ProtonSession::consumerOf(QueueRole queue) {
  for (Consumer& consumer : consumers_) {
    if (consumer.spec.queue == queue) return &consumer;
  }
  return nullptr;
}

void ProtonSession::on_message(proton::delivery& delivery, proton::message& message) {
  for (Consumer& consumer : consumers_) {
    if (consumer.receiver != delivery.receiver()) continue;
    const std::uint64_t tag =
        (static_cast<std::uint64_t>(containerGeneration_) << 32) | ++consumer.nextSequence;
    consumer.unsettled.emplace(tag, delivery);
    Delivery handed;
    handed.queue = consumer.spec.queue;
    handed.tag = tag;
    handed.messageId = textOf(message.id());
    handed.body = textOf(message.body());
    handed.redelivered = !message.first_acquirer() || message.delivery_count() > 0;
    handed.receivedAt = std::chrono::steady_clock::now();
    pluginLog().callSafely(consumer.spec.handler, std::move(handed));
    return;
  }
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
  if (consumer->receiver.active()) consumer->receiver.add_credit(1);
}

void ProtonSession::lostConnection(const Status& why) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // A queued drain may never run on this connection; its publishes are
    // answered by failAllPublishes() below.
    submitted_.clear();
    drainQueued_ = false;
    transportUp_ = false;
    linksReady_ = false;
    health_.set(why);
  }
  for (Outbound& out : outbound_) out.waiting.clear();
  inFlight_.clear();
  for (Consumer& consumer : consumers_) consumer.unsettled.clear();
  failAllPublishes(why);
}

void ProtonSession::on_transport_error(proton::transport& transport) {
  const Status status = statusFromCondition("connection to " + options_.url, transport.error());
  pluginLog().warning(status.toString() + "; reconnecting");
  lostConnection(status);
}

void ProtonSession::on_connection_error(proton::connection& connection) {
  const Status status = statusFromCondition("connection to " + options_.url, connection.error());
  pluginLog().error(status.toString());
  lostConnection(status);
}

// Every link lives on the connection's one session: without it nothing
// moves, so start over with a new connection.
void ProtonSession::on_session_error(proton::session& session) {
  pluginLog().error(statusFromCondition("session", session.error()).toString() + "; reconnecting");
  session.connection().close();
}

// The default would throw out of the event loop.
void ProtonSession::on_error(const proton::error_condition& error) {
  pluginLog().error(statusFromCondition("error", error).toString());
}

void ProtonSession::on_transport_close(proton::transport& transport) {
  lostConnection(transport.error().empty()
                     ? Status::unavailable("proton: connection closed")
                     : statusFromCondition("connection to " + options_.url, transport.error()));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    workQueue_ = nullptr;
    if (stopping_) return;
  }
  scheduleReconnect(transport.connection().container());
}

}  // namespace cpe::brokers::proton_amqp
