#include "io_loop.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "broker_log.h"

namespace cpe::brokers::rabbitmq {
namespace {

using std::chrono::milliseconds;

// Bounds the work between two looks at the command queue, so settles and
// publishes are not starved by a flood of deliveries.
constexpr int kMaxFramesPerTurn = 256;
// Publishes taken from the queue but held back by maxInFlight, at most; a
// caller that outruns the broker by more gets kUnavailable instead of
// unbounded memory.
constexpr std::size_t kMaxWaitingPublishes = 100'000;
// An AMQP short string.
constexpr std::size_t kMaxMessageIdBytes = 255;
// Room kept free in the send buffer for heartbeats and the closing
// handshake, which the library writes on its own.
constexpr std::size_t kReservedSendBytes = 1024;
// An ack, nack or reject frame is 21 bytes.
constexpr std::size_t kSettleFrameBytes = 32;
// A publish's method and header frames, besides the body, name and id.
constexpr std::size_t kPublishOverheadBytes = 512;
// A channel.open or passive queue.declare frame, besides the queue's name.
constexpr std::size_t kCountFrameBytes = 64;

int millisUntil(std::chrono::steady_clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<milliseconds::rep>(0, left.count()));
}

}  // namespace

IoLoop::IoLoop(const RabbitOptions& options, const std::vector<ConsumerSpec>& consumers,
               CommandQueue& commands, LaneSignals signals)
    : options_(options),
      consumers_(consumers),
      commands_(commands),
      signals_(std::move(signals)),
      name_(consumers.empty() ? "publisher" : "consumer"),
      dispatcher_(options, consumers, tracker_, counter_, signals_.onQueueGone),
      addresses_(options.addresses),
      lastLoggedFailure_(options.addresses.size()),
      // Seeded from the clock: enough to spread clients apart, and unlike
      // std::random_device it cannot throw.
      random_(static_cast<std::minstd_rand::result_type>(Clock::now().time_since_epoch().count())) {
}

void runIoThread(const RabbitOptions& options, const std::vector<ConsumerSpec>& consumers,
                 CommandQueue& commands, LaneSignals signals) noexcept {
  plugin::HealthCell& health = signals.health;
  try {
    IoLoop(options, consumers, commands, std::move(signals)).run();
    return;
  } catch (...) {  // out of memory before the loop ran
  }
  pluginLog().error("cannot run the I/O thread: out of memory");
  health.set(Status::unavailable("rabbitmq: the I/O thread could not run"));
  try {
    CommandQueue::Batch left = commands.close();
    refuseAll(left, Status::unavailable("rabbitmq: the I/O thread could not run"));
  } catch (...) {
  }
}

void IoLoop::run() noexcept {
  try {
    runConnections();
  } catch (const std::exception& error) {
    pluginLog().error(std::string("I/O thread failed: ") + error.what());
  } catch (...) {
    pluginLog().error("I/O thread failed");
  }
  finish();
}

void IoLoop::runConnections() {
  milliseconds backoff(options_.reconnectInitialMs);
  while (!stopRequested_) {
    Clock::duration upFor{};
    const Status ended = connectAndServe(upFor);
    if (stopRequested_) break;
    signals_.health.set(Status::unavailable(ended.message()));
    // Back to quick retries only after a connection that lasted: one that
    // the broker drops as soon as it opens must not be reopened in a loop.
    if (upFor >= milliseconds(options_.reconnectMaxMs)) {
      backoff = milliseconds(options_.reconnectInitialMs);
      addresses_.restartTurn();
    }
    const bool wasUp = upFor > Clock::duration::zero();
    const std::size_t failedNode = addresses_.index();
    const bool backingOff = addresses_.moveOn();
    logEnded(ended, wasUp, failedNode, backingOff);
    // The next node at once, though still through the command queue, so that
    // stop() is seen between two nodes' connect timeouts.
    milliseconds delay(0);
    if (backingOff) {
      delay = jittered(backoff);
      backoff = std::min(backoff * 2, milliseconds(options_.reconnectMaxMs));
    }
    if (!waitBeforeReconnect(delay, ended)) break;
  }
}

void IoLoop::logEnded(const Status& ended, bool wasUp, std::size_t failedNode, bool backingOff) {
  const std::string failed = addresses_.at(failedNode).toString();
  const std::string next =
      backingOff ? "retrying with backoff up to " + std::to_string(options_.reconnectMaxMs) + " ms"
                 : "trying " + addresses_.current().toString() + " next";
  if (wasUp) {
    pluginLog().warning(name_ + " connection to " + failed + " lost: " + ended.toString() + "; " +
                        next);
    return;
  }
  std::string& lastLogged = lastLoggedFailure_[failedNode];
  if (ended.message() == lastLogged) return;
  lastLogged = ended.message();
  pluginLog().warning(name_ + " cannot connect to " + failed + ": " + ended.toString() + "; " +
                      next);
}

Status IoLoop::connectAndServe(Clock::duration& upFor) {
  AmqpSession session(options_, addresses_.current());
  Status opened = session.open("cpe-provisioning (" + name_ + ")", consumers_);
  if (!opened.isOk()) {
    session.close();
    return opened;
  }
  const auto upSince = Clock::now();
  const std::string node = addresses_.size() > 1
                               ? " (node " + std::to_string(addresses_.index() + 1) + " of " +
                                     std::to_string(addresses_.size()) + ")"
                               : "";
  tracker_.reset();
  dispatcher_.beginConnection();
  signals_.liveConnection.store(kLiveConnection | dispatcher_.generation());
  signals_.health.set(Status::ok());
  pluginLog().information(name_ + (everConnected_ ? " connection restored" : " connected") +
                          " to " + addresses_.current().toString() + node + " vhost " +
                          options_.vhost + "; declared " + options_.queueType + " queues " +
                          options_.tasksQueue + ", " + options_.resultsQueue + ", " +
                          options_.deadLetterQueue);
  everConnected_ = true;
  std::fill(lastLoggedFailure_.begin(), lastLoggedFailure_.end(), std::string());

  Status ended = serve(session);
  upFor = std::max(Clock::now() - upSince, Clock::duration(1));
  // Unhealthy before any callback runs, so a callback that looks sees it.
  signals_.health.set(Status::unavailable(ended.message()));
  signals_.blocked.store(false);
  signals_.liveConnection.store(0);  // its deliveries are the broker's again
  settles_.clear();  // the broker requeues those deliveries
  writeHeld_ = false;
  session.close();
  const std::string why = "rabbitmq: connection closed before the broker confirmed: ";
  const Status lost = Status::unavailable(why + ended.message());
  tracker_.failAll(lost);
  failWaiting(lost);
  counter_.failAll(Status::unavailable("rabbitmq: connection closed before the broker counted: " +
                                       ended.message()));
  return ended;
}

Status IoLoop::serve(AmqpSession& session) {
  while (true) {
    if (Status taken = takeCommands(); !taken.isOk()) return taken;
    if (stopRequested_) {
      // Settles made before stop() travel ahead of the close, on this socket.
      bool held = false;
      if (Status sent = sendSettles(session, held); !sent.isOk()) return sent;
      return Status::unavailable("rabbitmq: the broker plugin was stopped");
    }
    if (dispatcher_.takeRedeclareRequest()) {
      if (Status declared = session.redeclare(); !declared.isOk()) return declared;
    }
    if (Status sent = sendWaiting(session); !sent.isOk()) return sent;
    if (Status read = readFrames(session); !read.isOk()) return read;
    signals_.blocked.store(dispatcher_.blocked());
    if (Status stalled = checkWriteStall(); !stalled.isOk()) return stalled;
    if (Status stalled = checkConfirmStall(); !stalled.isOk()) return stalled;
    if (session.hasBufferedInput()) continue;
    if (Status waited = waitForIo(session); !waited.isOk()) return waited;
  }
}

Status IoLoop::takeCommands() {
  CommandQueue::Batch batch = commands_.take();
  stopRequested_ = stopRequested_ || batch.stopRequested;
  for (SettleCommand& settle : batch.settles) {
    std::uint64_t deliveryTag = 0;
    if (!dispatcher_.acceptSettle(settle, deliveryTag)) continue;
    settle.tag = deliveryTag;  // the broker's, from here on
    settles_.push_back(settle);
  }
  for (PublishCommand& publish : batch.publishes) {
    if (waiting_.size() >= kMaxWaitingPublishes) {
      pluginLog().callSafely(publish.done,
                             Status::unavailable("rabbitmq: too many publishes waiting for "
                                                 "broker confirms"));
      continue;
    }
    waiting_.push_back(std::move(publish));
  }
  for (CountCommand& count : batch.counts) counter_.add(std::move(count));
  if (!batch.reconnectReason.empty()) return Status::unavailable(batch.reconnectReason);
  return Status::ok();
}

Status IoLoop::sendWaiting(AmqpSession& session) {
  bool held = false;
  if (Status sent = sendSettles(session, held); !sent.isOk()) return sent;
  if (!held) {
    if (Status sent = sendCounts(session, held); !sent.isOk()) return sent;
  }
  if (!held) {
    if (Status sent = sendPublishes(session, held); !sent.isOk()) return sent;
  }
  if (held && !writeHeld_) writeHeldSince_ = Clock::now();
  writeHeld_ = held;
  return Status::ok();
}

Status IoLoop::sendSettles(AmqpSession& session, bool& held) {
  while (!settles_.empty()) {
    if (!session.canSend(kReservedSendBytes + kSettleFrameBytes)) {
      held = true;
      return Status::ok();
    }
    const SettleCommand settle = settles_.front();
    settles_.pop_front();
    const amqp_channel_t channel = consumerChannel(settle.queue);
    if (Status settled = session.settle(channel, settle.tag, settle.how); !settled.isOk()) {
      return settled;
    }
  }
  return Status::ok();
}

Status IoLoop::sendCounts(AmqpSession& session, bool& held) {
  if (dispatcher_.blocked()) {
    // The broker reads nothing more from a blocked connection until the
    // alarm ends: a count sent now would wait that long.
    counter_.failWaiting(Status::unavailable("rabbitmq: the broker blocks the " + name_ +
                                             " connection (" + dispatcher_.blockedReason() + ")"));
    return Status::ok();
  }
  if (counter_.needsChannel()) {
    if (!session.canSend(kReservedSendBytes + kCountFrameBytes)) {
      held = true;
      return Status::ok();
    }
    if (Status opened = session.sendChannelOpen(kCountChannel); !opened.isOk()) return opened;
    counter_.channelOpening();
  }
  while (const CountCommand* next = counter_.nextToSend()) {
    const std::string& queue = options_.queueName(next->queue);
    if (!session.canSend(kReservedSendBytes + kCountFrameBytes + queue.size())) {
      held = true;
      return Status::ok();
    }
    if (Status sent = session.sendPassiveDeclare(kCountChannel, queue); !sent.isOk()) return sent;
    counter_.markSent();
  }
  return Status::ok();
}

Status IoLoop::sendPublishes(AmqpSession& session, bool& held) {
  if (dispatcher_.blocked()) {
    // Sending now would only block the connection; the callers keep their
    // messages (the host's tasks stay in its store) and try again later.
    failWaiting(Status::unavailable("rabbitmq: the broker blocks publishing (" +
                                    dispatcher_.blockedReason() + ")"));
    return Status::ok();
  }
  const auto maxInFlight = static_cast<std::size_t>(options_.maxInFlight);
  while (!waiting_.empty() && tracker_.inFlight() < maxInFlight) {
    PublishCommand& next = waiting_.front();
    if (next.messageId.size() > kMaxMessageIdBytes) {
      pluginLog().callSafely(next.done,
                             Status::invalidArgument("rabbitmq: message id longer than 255 "
                                                     "bytes"));
      waiting_.pop_front();
      continue;
    }
    const std::string& queue = options_.queueName(next.queue);
    if (!session.canSend(kReservedSendBytes + kPublishOverheadBytes + queue.size() +
                         next.messageId.size() + next.body.size())) {
      held = true;
      return Status::ok();
    }
    PublishCommand publish = std::move(next);
    waiting_.pop_front();
    Status sent = session.publish(queue, publish.messageId, publish.body);
    if (!sent.isOk()) {
      pluginLog().callSafely(publish.done, Status::unavailable(sent.message()));
      return sent;
    }
    tracker_.add(publish.queue, std::move(publish.messageId), std::move(publish.done));
  }
  return Status::ok();
}

Status IoLoop::checkWriteStall() {
  if (!writeHeld_ || dispatcher_.blocked()) return Status::ok();
  const milliseconds limit(
      std::max(options_.connectTimeoutMs, 2 * 1000 * options_.heartbeatSeconds));
  if (Clock::now() - writeHeldSince_ < limit) return Status::ok();
  return Status::unavailable("rabbitmq: the broker has read nothing from the " + name_ +
                             " connection for " + std::to_string(limit.count()) + " ms");
}

Status IoLoop::checkConfirmStall() const {
  // While the broker blocks us it acks nothing either, and says why.
  const auto unackedSince = tracker_.unackedSince();
  if (!unackedSince || dispatcher_.blocked()) return Status::ok();
  const milliseconds limit(options_.confirmTimeoutMs);
  if (Clock::now() - *unackedSince < limit) return Status::ok();
  return Status::unavailable("rabbitmq: the broker has acked no publish for " +
                             std::to_string(limit.count()) + " ms (nacked or unanswered; " +
                             std::to_string(tracker_.inFlight()) + " waiting)");
}

Status IoLoop::readFrames(AmqpSession& session) {
  for (int i = 0; i < kMaxFramesPerTurn; ++i) {
    amqp_frame_t frame{};
    bool got = false;
    if (Status read = session.readFrame(frame, got); !read.isOk()) return read;
    if (!got) return Status::ok();
    Status handled = dispatcher_.dispatch(session, frame);
    // Everything the frame pointed to has been copied out by now.
    session.releaseBuffers();
    if (!handled.isOk()) return handled;
  }
  return Status::ok();
}

Status IoLoop::waitForIo(AmqpSession& session) {
  const int heartbeat = options_.heartbeatSeconds;
  // Often enough for the library to send its heartbeats and notice missing
  // ones in time (only while called), rarely enough to cost nothing.
  const int tickMs = heartbeat > 0 ? std::min(1000, heartbeat * 250) : 1000;
  const short socketEvents = writeHeld_ ? POLLIN | POLLOUT : POLLIN;
  pollfd fds[2] = {{session.socketFd(), socketEvents, 0}, {commands_.wakeFd(), POLLIN, 0}};
  const int ready = ::poll(fds, 2, tickMs);
  if (ready < 0 && errno != EINTR) {
    return Status::unavailable("rabbitmq: poll failed: errno " + std::to_string(errno));
  }
  if (ready > 0 && fds[1].revents != 0) commands_.drainWake();
  return Status::ok();
}

bool IoLoop::waitBeforeReconnect(milliseconds delay, const Status& reason) {
  const Status refusal =
      Status::unavailable("rabbitmq: not connected to the broker: " + reason.message());
  const auto deadline = Clock::now() + delay;
  while (true) {
    CommandQueue::Batch batch = commands_.take();
    refuseAll(batch, refusal);  // settles are moot: the broker requeued those
    if (batch.stopRequested) {
      stopRequested_ = true;
      return false;
    }
    const int left = millisUntil(deadline);
    if (left == 0) return true;
    pollfd wake{commands_.wakeFd(), POLLIN, 0};
    if (::poll(&wake, 1, left) > 0) commands_.drainWake();
  }
}

milliseconds IoLoop::jittered(milliseconds backoff) {
  // Between half and all of the backoff, so that many clients cut off by one
  // broker restart do not come back in lockstep.
  std::uniform_int_distribution<milliseconds::rep> spread(backoff.count() / 2, backoff.count());
  return milliseconds(spread(random_));
}

void IoLoop::failWaiting(const Status& status) {
  std::deque<PublishCommand> waiting;
  waiting.swap(waiting_);
  for (PublishCommand& publish : waiting) pluginLog().callSafely(publish.done, status);
}

void IoLoop::finish() noexcept {
  const Status stopped = Status::unavailable("rabbitmq: the broker plugin was stopped");
  signals_.health.set(stopped);
  signals_.blocked.store(false);
  signals_.liveConnection.store(0);
  try {
    tracker_.failAll(stopped);
    failWaiting(stopped);
    counter_.failAll(stopped);
    CommandQueue::Batch left = commands_.close();
    refuseAll(left, stopped);
  } catch (...) {
    pluginLog().error("cannot answer every publish and count while stopping");
  }
}

}  // namespace cpe::brokers::rabbitmq
