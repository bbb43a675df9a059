#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>

#include "cpe/sdk/broker.h"
#include "cpe/sdk/mutex.h"
#include "cpe/sdk/status.h"
#include "cpe/sdk/thread_annotations.h"

namespace cpe::brokers::proton_amqp {

// The publishes of one ProtonSession not yet answered, and what the sender
// of each queue admits: none while it is not attached, and no more than
// maxWaiting waiting to be sent, so a sender that cannot send does not pile
// up memory and its callers hear at once that they should try again later.
//
// Every publish is registered here before it is handed to the container
// thread and answered by whoever takes it out again, so its callback runs
// exactly once whatever happens to its work item, its link or the
// connection. Callbacks run on the thread that answers, never under the
// ledger's lock.
//
// Thread-safe.
class PublishLedger final {
 public:
  using Clock = std::chrono::steady_clock;

  explicit PublishLedger(std::size_t maxWaiting) : maxWaiting_(maxWaiting) {}

  // Registers a publish to `queue` made at `since` and returns its id; or,
  // leaving `done` untouched, kUnavailable when the queue's sender is not
  // attached or has maxWaiting publishes not yet sent.
  Result<std::uint64_t> admit(QueueRole queue, Broker::ConfirmCallback& done,
                              Clock::time_point since);

  // The sender of `queue` takes publishes again.
  void attach(QueueRole queue);
  // The sender of `queue` is gone: it takes no publishes, for `why`, until
  // attach(), and every publish to it not yet answered is answered `why`.
  void detach(QueueRole queue, const Status& why) noexcept;
  // detach() of every sender.
  void detachAll(const Status& why) noexcept;

  // The publish leaves its sender's waiting queue for the wire; false when
  // it has been answered meanwhile and must not be sent.
  bool markSent(std::uint64_t publishId);
  // Answers the publish unless it has been answered already.
  void answer(std::uint64_t publishId, const Status& status) noexcept;

  // When the oldest publish not yet answered was made, if there is one.
  std::optional<Clock::time_point> oldest();

 private:
  struct Entry {
    Broker::ConfirmCallback done;
    Clock::time_point since;
    QueueRole queue = QueueRole::kTasks;
    bool sent = false;
  };
  // By publish id, so the oldest comes first.
  using Entries = std::map<std::uint64_t, Entry>;
  // What a queue's sender admits: nothing unless `attached` is OK, and no
  // more than maxWaiting_ publishes `waiting` (registered, not yet sent).
  struct Gate {
    Status attached = Status::unavailable("proton: connecting");
    std::size_t waiting = 0;
  };

  Gate& gate(QueueRole queue) CPE_REQUIRES(mutex_) {
    return gates_[queue == QueueRole::kTasks ? 0 : 1];
  }
  // Removes the entry and returns its callback; empty if already answered.
  Broker::ConfirmCallback takeLocked(std::uint64_t publishId) CPE_REQUIRES(mutex_);
  static void answerAll(Entries& entries, const Status& status) noexcept;

  const std::size_t maxWaiting_;
  Mutex mutex_;
  Gate gates_[2] CPE_GUARDED_BY(mutex_);
  std::uint64_t nextId_ CPE_GUARDED_BY(mutex_) = 1;
  Entries entries_ CPE_GUARDED_BY(mutex_);
};

}  // namespace cpe::brokers::proton_amqp
