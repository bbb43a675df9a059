#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "cpe/sdk/status.h"

namespace cpe {

// The two work queues of the system. Each broker plugin maps them to its own
// names (config), plus a dead-letter queue for messages nobody can process.
enum class QueueRole { kTasks, kResults };
const char* queueRoleName(QueueRole role) noexcept;  // "tasks", "results"

// One message handed to a consumer. It stays unsettled, and so owned by us,
// until settle() is called with its tag.
struct Delivery {
  QueueRole queue = QueueRole::kTasks;
  std::uint64_t tag = 0;  // opaque; only for settle()
  std::string messageId;
  std::string body;
  bool redelivered = false;  // the broker delivered it before (a consumer died)
  // When the plugin received it: the broker counts how long we hold it from
  // then (RabbitMQ's consumer timeout), not from when a worker takes it up.
  std::chrono::steady_clock::time_point receivedAt{};
};

enum class Settlement {
  kAck,         // processed: remove it
  kRequeue,     // not processed: give it to a consumer again
  kDeadLetter,  // can never be processed (poison): move it to the dead-letter queue
};

// The broker port: durable queues, confirmed publishing, manual settlement.
//
// Thread rule: every method but consume(), start() and stop() is thread-safe
// and never blocks on the network; the plugin does all its I/O on threads of
// its own. Callbacks (ConfirmCallback, DeliveryHandler, CountCallback) run on
// a plugin thread and must return quickly: hand work to another thread,
// never block in them.
//
// Outside a start()/stop() run there is no plugin thread: publish() then
// calls back kUnavailable on the caller's thread. While disconnected,
// publish() fails fast rather than queueing: check health() after start().
// Never call stop() or the destructor from inside a callback.
//
// Reliability: a publish counts only when its callback reports OK (the broker
// has the message on disk). After a lost connection the plugin reconnects
// with backoff, declares its queues again and resumes consuming by itself;
// deliveries not settled before the loss are redelivered by the broker
// (flagged redelivered), so consumers must be idempotent.
class Broker {
 public:
  using ConfirmCallback = std::function<void(const Status&)>;
  using DeliveryHandler = std::function<void(Delivery)>;
  using CountCallback = std::function<void(const Result<std::uint64_t>&)>;

  virtual ~Broker() = default;

  // Registers the consumer of `queue`, with at most `prefetch` unsettled
  // deliveries at a time. Call before start(); one consumer per queue.
  virtual Status consume(QueueRole queue, int prefetch, DeliveryHandler handler) noexcept = 0;

  // Starts the plugin's threads and connects in the background. Returns an
  // error only for what retrying cannot fix (bad configuration).
  virtual Status start() noexcept = 0;

  // Stops consuming and closes the connection; unsettled deliveries return
  // to their queue. Publishes still waiting for a confirm get kUnavailable.
  virtual void stop() noexcept = 0;

  // Publishes a persistent message with `messageId`. `done` is called exactly
  // once: OK when the broker confirmed it, kUnavailable when it may not have
  // been stored (not connected, connection lost, broker refused).
  virtual void publish(QueueRole queue, std::string messageId, std::string body,
                       ConfirmCallback done) noexcept = 0;

  // Settles a delivery. A tag from a connection that has since been lost is
  // ignored: the broker has already requeued that message.
  virtual void settle(QueueRole queue, std::uint64_t tag, Settlement how) noexcept = 0;

  // Whether the delivery `tag` is still ours: false once the connection it
  // came on is gone, when the broker has requeued the message and may hand
  // it to another consumer. Work on it should stop before it begins twice.
  virtual bool isHeld(QueueRole queue, std::uint64_t tag) noexcept = 0;

  // Counts the messages of `queue` ready for delivery (not those delivered
  // and unsettled). `done` is called exactly once, on a plugin thread (or
  // on the caller's when the answer is known at once): the count;
  // kUnavailable when not connected; kUnimplemented when the protocol has
  // no way to count (AMQP 1.0). Never blocks on the network.
  virtual void countReady(QueueRole queue, CountCallback done) noexcept = 0;

  // OK while connected with queues declared; kUnavailable otherwise.
  virtual Status health() noexcept = 0;

  // True while the broker holds our publishes back (RabbitMQ's memory or
  // disk alarm; for AMQP 1.0, publishes left without credit or settlement
  // for longer than the plugin allows). publish() then fails fast and tasks
  // wait in the store; health() stays as it is, since work still flows.
  virtual bool blocked() noexcept = 0;
};

}  // namespace cpe
