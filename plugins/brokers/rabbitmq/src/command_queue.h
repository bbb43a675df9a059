#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cpe/sdk/broker.h"
#include "cpe/sdk/mutex.h"
#include "cpe/sdk/status.h"
#include "cpe/sdk/thread_annotations.h"

namespace cpe::brokers::rabbitmq {

struct PublishCommand {
  QueueRole queue = QueueRole::kTasks;
  std::string messageId;
  std::string body;
  Broker::ConfirmCallback done;
};

struct SettleCommand {
  QueueRole queue = QueueRole::kTasks;
  std::uint64_t tag = 0;
  Settlement how = Settlement::kAck;
};

struct CountCommand {
  QueueRole queue = QueueRole::kTasks;
  Broker::CountCallback done;
};

// What API threads hand to the I/O thread, which alone touches RabbitMQ-C.
//
// Posting never blocks on the network: it appends under a mutex and, when the
// queue was empty, writes to an eventfd the I/O thread polls beside its
// socket (one syscall per burst, not per message).
//
// Thread rule: post*(), requestStop() from any thread; take() and close()
// from the I/O thread only.
class CommandQueue final {
 public:
  struct Batch {
    std::vector<PublishCommand> publishes;
    std::vector<SettleCommand> settles;
    std::vector<CountCommand> counts;
    bool stopRequested = false;
    std::string reconnectReason;  // not empty: give up this connection and open another
  };

  // Publishes queued and not yet taken, at most: if the I/O thread cannot
  // keep up, callers hear kUnavailable at once instead of memory growing.
  static constexpr std::size_t kMaxQueuedPublishes = 100'000;
  // Counts queued and not yet taken, at most: the host asks about once a
  // minute, so a burst beyond this is refused rather than queued.
  static constexpr std::size_t kMaxQueuedCounts = 16;

  CommandQueue();  // throws std::system_error when no eventfd can be made
  ~CommandQueue();
  CommandQueue(const CommandQueue&) = delete;
  CommandQueue& operator=(const CommandQueue&) = delete;

  // The descriptor to poll for POLLIN; drainWake() after it fires.
  int wakeFd() const { return wakeFd_; }
  void drainWake() const;

  // Accepts commands from now on (start()), with no stop requested.
  void open();

  // Moves `command` into the queue and returns OK; leaves it untouched and
  // returns kUnavailable, saying why, when the queue is not open (the plugin
  // is not running) or full.
  Status postPublish(PublishCommand& command);
  // The same for a count.
  Status postCount(CountCommand& command);
  // Dropped when not open: the broker has requeued every delivery by then.
  void postSettle(const SettleCommand& command);
  void requestStop();
  // Asks the I/O thread to renew its connection (e.g. a queue it consumes
  // was deleted under it); ignored while not open.
  void requestReconnect(const std::string& reason);

  Batch take();
  // Stops accepting and returns what was still queued, so that every
  // callback is answered exactly once (see refuseAll()).
  Batch close();

 private:
  bool isEmpty() const CPE_REQUIRES(mutex_);
  void wake();

  int wakeFd_ = -1;
  mutable Mutex mutex_;
  bool open_ CPE_GUARDED_BY(mutex_) = false;
  Batch pending_ CPE_GUARDED_BY(mutex_);
};

// Answers every publish and count of `batch` with `refusal`, on the calling
// thread: what a closed queue or a lost connection leaves unanswered.
// Settles need no answer (the broker requeues their deliveries).
void refuseAll(CommandQueue::Batch& batch, const Status& refusal);

}  // namespace cpe::brokers::rabbitmq
