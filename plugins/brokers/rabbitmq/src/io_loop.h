#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "amqp_session.h"
#include "command_queue.h"
#include "confirm_tracker.h"
#include "cpe/sdk/health_cell.h"
#include "frame_dispatcher.h"
#include "rabbitmq_options.h"
#include "ready_counter.h"

namespace cpe::brokers::rabbitmq {

// What an I/O thread shares with the rest of the plugin, besides its
// command queue: its health, whether the broker blocks its publishes, and
// whom to tell when a publish finds a queue gone.
struct LaneSignals {
  plugin::HealthCell& health;
  std::atomic<bool>& blocked;
  // kLiveConnection | the generation of the connection up now; 0 while none.
  std::atomic<std::uint32_t>& liveConnection;
  FrameDispatcher::QueueGoneHook onQueueGone;
};
inline constexpr std::uint32_t kLiveConnection = 0x10000;

// One of the plugin's I/O threads, each with a connection of its own: the
// only code that calls RabbitMQ-C. The plugin runs one for publishing and
// one for its consumers, as RabbitMQ advises: a publisher blocked by a
// resource alarm then never stalls the acks of the consumers.
//
// It connects to one node of the broker's (see AddressRotation: a failed
// connect or a lost connection moves on to the next node; exponential,
// jittered backoff once every node has failed in turn, forever), then serves
// the connection: sends settles and, while fewer than
// maxInFlight are unconfirmed, waiting publishes; reads every frame the
// library has; and polls the socket together with the command queue's
// eventfd. The poll wakes at least every second so the library can send
// heartbeats and notice when the broker's have stopped (two silent
// intervals: connection lost). Every network wait is bounded, so stop()
// returns within about connectTimeoutMs: it writes only what the socket's
// buffer takes without blocking, and gives the connection up if the broker
// reads nothing for longer than two heartbeats (or connectTimeoutMs) while
// not blocking us.
//
// Publishes are answered exactly once: OK on the broker's ack; kUnavailable
// on a nack, a return, a lost connection (also given up when the broker acks
// no publish for confirmTimeoutMs), while the broker blocks publishing
// (connection.blocked), or when they arrive while no connection is up
// (nothing is queued across a reconnect: the caller holds the message and
// decides when to retry). kInvalidArgument for a message id that AMQP cannot
// carry.
//
// Counts (see ReadyCounter) are answered exactly once as well: the count;
// the broker's refusal, e.g. kNotFound for a missing queue (the connection
// stays up); kUnavailable on a lost connection, at stop, or while the broker
// blocks the connection, since it then reads nothing from it.
class IoLoop final {
 public:
  IoLoop(const RabbitOptions& options, const std::vector<ConsumerSpec>& consumers,
         CommandQueue& commands, LaneSignals signals);

  // Returns when stop is requested through the command queue, after closing
  // the connection and answering every publish.
  void run() noexcept;

 private:
  using Clock = std::chrono::steady_clock;

  void runConnections();
  // One connection from open to loss (or stop); why it ended. `upFor` is
  // how long it was up, zero when it never opened.
  Status connectAndServe(Clock::duration& upFor);
  Status serve(AmqpSession& session);
  Status takeCommands();
  // Sends settles, counts, then publishes, as far as the send buffer has room.
  Status sendWaiting(AmqpSession& session);
  Status sendSettles(AmqpSession& session, bool& held);
  Status sendCounts(AmqpSession& session, bool& held);
  Status sendPublishes(AmqpSession& session, bool& held);
  // Not OK once writes have waited for room longer than the broker may
  // plausibly stop reading us without blocking us.
  Status checkWriteStall();
  // Not OK once the broker has acked no publish for confirmTimeoutMs while
  // some were waiting (unanswered or nacked): a channel that takes no more
  // publishes, which only a new connection cures.
  Status checkConfirmStall() const;
  Status readFrames(AmqpSession& session);
  Status waitForIo(AmqpSession& session);
  // Sleeps out a backoff delay while refusing publishes; false on stop.
  bool waitBeforeReconnect(std::chrono::milliseconds delay, const Status& reason);
  // Says why the connection to the current node ended (or never opened) and
  // where the next attempt goes; a failure to connect is logged once per
  // node and reason, not once per attempt.
  void logEnded(const Status& ended, bool wasUp, std::size_t failedNode, bool backingOff);
  std::chrono::milliseconds jittered(std::chrono::milliseconds backoff);
  void failWaiting(const Status& status);
  void finish() noexcept;

  const RabbitOptions& options_;
  const std::vector<ConsumerSpec>& consumers_;
  CommandQueue& commands_;
  LaneSignals signals_;
  const std::string name_;  // "publisher" or "consumer", in logs and for the broker

  ConfirmTracker tracker_;
  ReadyCounter counter_;
  FrameDispatcher dispatcher_;
  std::deque<PublishCommand> waiting_;  // taken from the queue, not yet sent
  std::deque<SettleCommand> settles_;   // accepted, not yet sent
  bool writeHeld_ = false;              // something waits for room in the send buffer
  Clock::time_point writeHeldSince_;
  bool stopRequested_ = false;
  bool everConnected_ = false;
  AddressRotation addresses_;
  std::vector<std::string> lastLoggedFailure_;  // per node, since the last connection
  std::minstd_rand random_;
};

// An I/O thread's body: an IoLoop, run until stopped. Never throws; if
// even the loop cannot be built, publishes and counts are refused as
// unavailable.
void runIoThread(const RabbitOptions& options, const std::vector<ConsumerSpec>& consumers,
                 CommandQueue& commands, LaneSignals signals) noexcept;

}  // namespace cpe::brokers::rabbitmq
