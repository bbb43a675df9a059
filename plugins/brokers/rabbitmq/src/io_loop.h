#pragma once

#include <chrono>
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

namespace cpe::brokers::rabbitmq {

// The plugin's I/O thread: the only code that calls RabbitMQ-C.
//
// It connects (with exponential, jittered backoff between failures, forever),
// then serves the connection: applies settles, sends waiting publishes while
// fewer than maxInFlight are unconfirmed, reads every frame the library has,
// and polls the socket together with the command queue's eventfd. The poll
// wakes at least every second so the library can send heartbeats and notice
// when the broker's have stopped (two silent intervals: connection lost).
//
// Publishes are answered exactly once: OK on the broker's ack; kUnavailable
// on a nack, a return, a lost connection, or when they arrive while no
// connection is up (nothing is queued across a reconnect: the caller holds
// the message and decides when to retry). kInvalidArgument for a message id
// that AMQP cannot carry.
class IoLoop final {
 public:
  IoLoop(const RabbitOptions& options, const std::vector<ConsumerSpec>& consumers,
         CommandQueue& commands, plugin::HealthCell& health);

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
  Status takeCommands(AmqpSession& session);
  Status sendWaiting(AmqpSession& session);
  Status readFrames(AmqpSession& session);
  Status waitForIo(AmqpSession& session);
  // Sleeps out a backoff delay while refusing publishes; false on stop.
  bool waitBeforeReconnect(std::chrono::milliseconds delay, const Status& reason);
  std::chrono::milliseconds jittered(std::chrono::milliseconds backoff);
  void failWaiting(const Status& status);
  void failAll(std::vector<PublishCommand>& publishes, const Status& status);
  void finish() noexcept;

  const RabbitOptions& options_;
  const std::vector<ConsumerSpec>& consumers_;
  CommandQueue& commands_;
  plugin::HealthCell& health_;

  ConfirmTracker tracker_;
  FrameDispatcher dispatcher_;
  std::deque<PublishCommand> waiting_;  // taken from the queue, not yet sent
  bool stopRequested_ = false;
  bool everConnected_ = false;
  std::string lastLoggedFailure_;
  std::minstd_rand random_;
};

// The I/O thread's body: an IoLoop, run until stopped. Never throws; if
// even the loop cannot be built, publishes are refused as unavailable.
void runIoThread(const RabbitOptions& options, const std::vector<ConsumerSpec>& consumers,
                 CommandQueue& commands, plugin::HealthCell& health) noexcept;

}  // namespace cpe::brokers::rabbitmq
