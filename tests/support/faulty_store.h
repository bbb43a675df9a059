#pragma once

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cpe/sdk/mutex.h"
#include "cpe/sdk/task_store.h"
#include "cpe/sdk/thread_annotations.h"

namespace cpe::test {

// The methods of TaskStore, to aim a fault at one of them.
enum class StoreMethod {
  kInsert,
  kInsertWithKey,
  kGet,
  kComplete,
  kUnpublished,
  kMarkPublished,
  kPublishedBefore,
  kMarkUnpublished,
  kQueuedBefore,
  kListDeviceTasks,
  kPing,
  kQueuedInTheClear,
  kReplaceParameters,
  kDeleteFinishedBefore,
};

// A TaskStore for unit tests: the real memory store, wrapped so a test can
// make calls fail (a database that is down answers kUnavailable, a corrupt
// one kInternal) and count them, the way LevelDB's fault_injection_test
// wraps its Env. A call that fails never reaches the memory store, so it
// changes nothing.
//
// Counting calls lets a test wait for a positive event ("the sweep has run
// twice more") where it would otherwise have to sleep and hope.
//
// Thread rule: every method is thread-safe (TaskStore's rule); the hook runs
// on the calling thread, outside the double's lock.
class FaultyStore final : public TaskStore {
 public:
  // Runs at the start of every call, before the fault is decided.
  using Hook = std::function<void(StoreMethod)>;

  FaultyStore();  // over a new memory store
  explicit FaultyStore(std::unique_ptr<TaskStore> inner);

  // Every call of `method` fails with `failure` until heal().
  void failAlways(StoreMethod method, Status failure);
  // The next `count` calls of `method` fail with `failure`; later ones pass.
  void failNext(StoreMethod method, int count, Status failure);
  // The whole store is down: every method fails with `failure`.
  void failEverything(const Status& failure);
  // Clears every fault.
  void heal();
  void setHook(Hook hook);

  // Calls of `method` so far, failed ones included.
  int calls(StoreMethod method) const;
  // `since` as the last insertWithKey() call passed it.
  EpochMillis lastKeySince() const;
  // The memory store itself: to arrange or inspect state without faults or counts.
  TaskStore& inner() { return *inner_; }

  Status insert(const Task& task) noexcept override;
  Result<Task> insertWithKey(const Task& task, const std::string& key,
                             EpochMillis since) noexcept override;
  Result<Task> get(const std::string& taskId) noexcept override;
  Result<bool> complete(const TaskResult& result) noexcept override;
  Result<std::vector<Task>> unpublished(std::size_t limit,
                                        EpochMillis createdBefore) noexcept override;
  Status markPublished(const std::vector<std::string>& taskIds) noexcept override;
  Result<std::vector<PublishedTask>> publishedBefore(EpochMillis publishedBefore,
                                                     std::size_t limit) noexcept override;
  Status markUnpublished(const std::vector<std::string>& taskIds) noexcept override;
  Result<QueuedTasks> queuedBefore(EpochMillis createdBefore,
                                   std::size_t sampleLimit) noexcept override;
  Result<std::vector<TaskSummary>> listDeviceTasks(
      const std::string& equipmentId, std::size_t limit,
      const std::optional<TaskPosition>& after) noexcept override;
  Status ping() noexcept override;
  Result<std::vector<Task>> queuedInTheClear(std::size_t limit,
                                             const std::string& afterId) noexcept override;
  Result<bool> replaceParameters(const std::string& taskId, const std::string& expected,
                                 const std::string& replacement) noexcept override;
  Result<DeletedRows> deleteFinishedBefore(EpochMillis finishedBefore,
                                           std::size_t limit) noexcept override;

 private:
  static constexpr std::size_t kMethods = 14;
  struct Fault {
    int next = 0;         // calls still to fail
    bool always = false;  // fail every call
    Status failure;
  };

  // Counts the call and says how it must fail; OK to pass it through.
  Status enter(StoreMethod method);

  const std::unique_ptr<TaskStore> inner_;
  mutable Mutex mutex_;
  std::array<Fault, kMethods> faults_ CPE_GUARDED_BY(mutex_);
  std::array<int, kMethods> calls_ CPE_GUARDED_BY(mutex_){};
  EpochMillis lastKeySince_ CPE_GUARDED_BY(mutex_) = 0;
  Hook hook_ CPE_GUARDED_BY(mutex_);
};

}  // namespace cpe::test
