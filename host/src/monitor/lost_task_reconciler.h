#pragma once

#include <Poco/Logger.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <thread>

#include "cpe/sdk/broker.h"
#include "cpe/sdk/mutex.h"
#include "cpe/sdk/task_store.h"
#include "cpe/sdk/thread_annotations.h"
#include "host_options.h"
#include "stop_signal.h"

namespace cpe::host {

// What the broker says about the tasks queue, for the stuck-task report.
struct TasksQueueView {
  enum class State {
    kUnknown,      // not counted yet, or the broker cannot be asked
    kUncountable,  // the protocol cannot count (AMQP 1.0)
    kBacklog,      // ready messages: queued tasks may be waiting behind them
    kEmpty,        // no ready message: queued tasks are held by workers, or lost
  };
  State state = State::kUnknown;
  std::uint64_t ready = 0;
};

// Tells a task message the broker lost from one that is only waiting, and
// publishes the lost ones again.
//
// A message can vanish after its confirm: a purge, a quorum queue's delivery
// limit, a queue deleted and declared again. The store knows when each
// queued task was last published; the broker knows how many messages of the
// tasks queue are ready. If the queue had no ready message at some moment
// after a task's last publish, the task was by then delivered or lost; a
// delivered one is answered (or given up, which also answers) within the
// workers' hold bound. So a task still queued `maxHold + margin` after such
// a moment, while the queue is still empty and no result waits to be
// applied, is nowhere in the broker.
// It goes back to the outbox (the relay publishes it again); once it has been
// published 1 + maxRepublishes times and lost each time, it fails (500) with
// the reason logged. A task behind a backlog is never touched: no moment of
// an empty queue follows its publish.
//
// Thread rule: start() and stop() from one thread; view() from any.
class LostTaskReconciler {
 public:
  LostTaskReconciler(TaskStore& store, Broker& broker, const LostTaskOptions& options,
                     std::chrono::seconds maxHold, prometheus::Registry& metrics);
  ~LostTaskReconciler();

  void start();
  void stop();

  // What the last count of the tasks queue said.
  TasksQueueView view() const;

  // One check, on the caller's thread (start() runs it every checkInterval).
  void check();

 private:
  // A moment the tasks queue held no ready message, in the store's epoch
  // milliseconds: between asking (`askedAt`) and hearing (`heardAt`).
  struct EmptyQueue {
    EpochMillis askedAt = 0;
    EpochMillis heardAt = 0;
  };

  void run();
  // The broker's count, waited for; an error Status when it has none.
  Result<std::uint64_t> countReady(QueueRole queue);
  // A zero is asked again: RabbitMQ 3.10 answers 0 for a quorum queue whose
  // leader is slow to answer (250 ms), so one zero proves nothing.
  Result<std::uint64_t> countReadyTwiceIfZero(QueueRole queue);
  // Records the tasks queue's count; false when it cannot be had.
  bool observeTasksQueue();
  // The latest moment of an empty queue that every hold begun by then has
  // outlived; forgets the ones before it.
  std::optional<EmptyQueue> settledEmptyMoment(EpochMillis now);
  void recover(const std::vector<PublishedTask>& lost);
  void failLost(const PublishedTask& task);

  TaskStore& store_;
  Broker& broker_;
  const LostTaskOptions options_;
  const std::chrono::milliseconds settleTime_;  // maxHold + margin
  Poco::Logger& log_;
  prometheus::Counter& republished_;
  prometheus::Counter& failed_;
  StopSignal stop_;
  bool toldUncountable_ = false;  // the reconciler thread only
  std::deque<EmptyQueue> empties_;  // the reconciler thread only; oldest first

  mutable Mutex viewMutex_;
  TasksQueueView view_ CPE_GUARDED_BY(viewMutex_);
  std::thread thread_;
};

}  // namespace cpe::host
