#pragma once

#include <array>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cpe/sdk/broker.h"
#include "cpe/sdk/consumers.h"
#include "cpe/sdk/mutex.h"
#include "cpe/sdk/thread_annotations.h"

namespace cpe::test {

// An in-process Broker for unit tests of the parts that sit on the port (the
// host's outbox relay, worker pool and result consumer). It keeps the port's
// promises (broker.h): consume() only before start(); confirms and
// deliveries come from a dispatcher thread of its own, one callback at a
// time, never from inside publish() or settle(); publish(), settle() and
// health() never block on a callback; outside start()/stop() publish() calls
// back kUnavailable on the caller's thread; a tag it does not know (settled
// already, or from before a stop()) is ignored.
//
// Queues: a confirmed publish enters its queue; a queue with a consumer
// delivers to it while fewer than `prefetch` deliveries are unsettled.
// kAck removes a delivery, kRequeue puts it back at the head flagged
// redelivered, kDeadLetter moves it to the queue's dead letters. stop()
// fails the confirms still due and returns unsettled deliveries to their
// queue (redelivered), as a lost connection does.
//
// Controls let a test widen races (hold confirms), fail confirms, play a
// broker that is down, and hand consumers raw bodies (poison messages); the
// inspectors show what reached each queue and how each message was settled.
// Wait for them with waitFor() (wait_for.h): callbacks run on another thread.
//
// Thread rule: every method is thread-safe, except that start(), stop() and
// the destructor must not be called from a callback. The code under test
// must be stopped before the broker is destroyed.
class FakeBroker final : public Broker {
 public:
  // One publish() call as the broker saw it.
  struct Published {
    std::string messageId;
    std::string body;
    std::optional<Status> confirm;  // what its callback was told; empty while due
  };
  struct DeadLetter {
    std::string messageId;
    std::string body;
  };

  FakeBroker() = default;
  ~FakeBroker() override;

  Status consume(QueueRole queue, int prefetch, DeliveryHandler handler) noexcept override;
  Status start() noexcept override;
  void stop() noexcept override;
  void publish(QueueRole queue, std::string messageId, std::string body,
               ConfirmCallback done) noexcept override;
  void settle(QueueRole queue, std::uint64_t tag, Settlement how) noexcept override;
  // While running, as long as the delivery is unsettled and its connection
  // not lost (loseConnection()).
  bool isHeld(QueueRole queue, std::uint64_t tag) noexcept override;
  // OK while started and not set down.
  Status health() noexcept override;
  bool blocked() noexcept override;  // as setBlocked() left it; counted
  // Answers at once, on the caller's thread: the ready messages while
  // running and healthy, kUnimplemented after setCountable(false).
  void countReady(QueueRole queue, CountCallback done) noexcept override;

  // The confirms of the next `count` publishes report kUnavailable (the
  // message is not stored).
  void failNextConfirms(int count);
  // Confirms wait, in order, until releaseConfirms(): a publish stays in
  // flight as long as the test needs. stop() still fails held confirms.
  void holdConfirms();
  void releaseConfirms();
  // A broker that is down: health() fails and publishes fail at once (their
  // callbacks, on the dispatcher, are not held). Deliveries carry on.
  void setHealthy(bool healthy);
  // A broker under a resource alarm: healthy, but publishes fail at once.
  void setBlocked(bool blocked);
  // The consumers' connection drops and comes back at once: every unsettled
  // delivery returns to its queue (redelivered, to be delivered again) and
  // its tag is void, as stop() does without stopping.
  void loseConnection();
  // Drops every ready message of `queue`, as `rabbitmqctl purge_queue` does.
  void purge(QueueRole queue);
  // A protocol that cannot count ready messages (AMQP 1.0).
  void setCountable(bool countable);
  // Puts a message straight into `queue`, as if another process had
  // published it: any body, e.g. a poison message.
  void inject(QueueRole queue, std::string messageId, std::string body, bool redelivered = false);

  std::vector<Published> published(QueueRole queue) const;
  int publishCount(QueueRole queue, const std::string& messageId) const;
  // Settlements of the deliveries of `messageId`, in the order they came.
  std::vector<Settlement> settlements(QueueRole queue, const std::string& messageId) const;
  std::vector<DeadLetter> deadLetters(QueueRole queue) const;
  std::size_t heldConfirms() const;  // confirms due but held
  std::size_t unsettledCount(QueueRole queue) const;
  std::size_t readyCount(QueueRole queue) const;  // in the queue, not delivered
  // Deliveries handed to the consumer, redeliveries included.
  int deliveryCount(QueueRole queue, const std::string& messageId) const;
  int ignoredSettles() const;  // settle() calls with a tag not unsettled
  int blockedQueries() const;  // blocked() calls so far

 private:
  struct Message {
    std::string messageId;
    std::string body;
    bool redelivered = false;
  };
  struct Queue {
    std::deque<Message> ready;
    std::map<std::uint64_t, Message> unsettled;  // by tag, so in delivery order
    std::vector<Published> published;
    std::map<std::string, std::vector<Settlement>> settlements;
    std::map<std::string, int> deliveries;
    std::vector<DeadLetter> dead;
  };
  struct DueConfirm {
    QueueRole queue;
    std::size_t publishIndex;  // into Queue::published
    Status status;
    bool holdable;  // false for a publish refused while down: it fails fast
    ConfirmCallback done;
  };

  static std::size_t indexOf(QueueRole queue) { return queue == QueueRole::kTasks ? 0 : 1; }
  void run();
  // Takes the next callback to run, if any; empty when there is none.
  std::function<void()> nextCallbackLocked() CPE_REQUIRES(mutex_);
  std::function<void()> confirmLocked(DueConfirm due) CPE_REQUIRES(mutex_);
  std::function<void()> deliveryLocked() CPE_REQUIRES(mutex_);
  void requeueUnsettledLocked() CPE_REQUIRES(mutex_);

  mutable Mutex mutex_;
  std::condition_variable work_;
  std::array<Queue, 2> queues_ CPE_GUARDED_BY(mutex_);
  std::vector<plugin::ConsumerSpec> consumers_ CPE_GUARDED_BY(mutex_);
  std::deque<DueConfirm> confirms_ CPE_GUARDED_BY(mutex_);
  bool holding_ CPE_GUARDED_BY(mutex_) = false;
  int failNext_ CPE_GUARDED_BY(mutex_) = 0;
  bool healthy_ CPE_GUARDED_BY(mutex_) = true;
  bool blocked_ CPE_GUARDED_BY(mutex_) = false;
  bool countable_ CPE_GUARDED_BY(mutex_) = true;
  int blockedQueries_ CPE_GUARDED_BY(mutex_) = 0;
  bool running_ CPE_GUARDED_BY(mutex_) = false;
  bool stopping_ CPE_GUARDED_BY(mutex_) = false;
  int ignoredSettles_ CPE_GUARDED_BY(mutex_) = 0;
  std::uint64_t nextTag_ CPE_GUARDED_BY(mutex_) = 1;
  std::thread thread_;  // start() and stop() only
};

}  // namespace cpe::test
