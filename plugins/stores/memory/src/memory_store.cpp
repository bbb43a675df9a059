// The memory store: every task in one process's maps. Fast and simple, for
// tests, demos and single-process runs; it keeps nothing across a restart.

#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cpe/plugin.h"
#include "cpe/task_store.h"
#include "cpe/thread_annotations.h"

namespace cpe {
namespace {

class MemoryStore final : public TaskStore {
 public:
  Status insert(const Task& task) noexcept override;
  Result<Task> get(const std::string& taskId) noexcept override;
  Result<bool> complete(const TaskResult& result) noexcept override;
  Result<std::vector<Task>> unpublished(std::size_t limit,
                                        EpochMillis createdBefore) noexcept override;
  Status markPublished(const std::vector<std::string>& taskIds) noexcept override;
  Status ping() noexcept override { return Status::ok(); }

 private:
  // Outbox order: creation time, then insertion order among tasks created in
  // the same millisecond, so the relay publishes in the order tasks arrived.
  using OutboxKey = std::pair<EpochMillis, std::uint64_t>;

  struct Entry {
    Task task;
    OutboxKey outboxKey;
  };
  using TaskMap = std::unordered_map<std::string, Entry>;
  using OutboxMap = std::map<OutboxKey, const Entry*>;

  // Removes the entry from the outbox, if it is there.
  void unlistLocked(const Entry& entry) { outbox_.erase(entry.outboxKey); }

  // Called from a catch block: the exception in flight (an allocation or
  // lock failure, nothing retrying helps) as kInternal.
  static Status fromException(const char* what) {
    try {
      throw;
    } catch (const std::exception& exception) {
      return Status::internal(std::string("memory store: ") + what + ": " + exception.what());
    } catch (...) {
      return Status::internal(std::string("memory store: ") + what + ": unknown exception");
    }
  }

  // Readers (get, unpublished) share the lock; every writer holds it only
  // for a map operation, never while copying a task's strings in.
  std::shared_mutex mu_;
  TaskMap tasks_ CPE_GUARDED_BY(mu_);
  // Invariant: holds exactly the tasks that are queued and not yet published.
  // Values point into tasks_, whose nodes never move.
  OutboxMap outbox_ CPE_GUARDED_BY(mu_);
  std::uint64_t nextSequence_ CPE_GUARDED_BY(mu_) = 0;
};

Status MemoryStore::insert(const Task& task) noexcept {
  try {
    // Allocate both map nodes and copy the task before taking the lock: under
    // it, only the links are made (and now and then a rehash).
    TaskMap staging;
    staging.try_emplace(task.id, Entry{task, {task.createdAt, 0}});
    TaskMap::node_type taskNode = staging.extract(staging.begin());
    OutboxMap outboxStaging;
    outboxStaging.emplace(OutboxKey{}, nullptr);
    OutboxMap::node_type outboxNode = outboxStaging.extract(outboxStaging.begin());

    std::unique_lock<std::shared_mutex> lock(mu_);
    taskNode.mapped().outboxKey.second = nextSequence_++;
    auto placed = tasks_.insert(std::move(taskNode));
    if (!placed.inserted) return Status::alreadyExists("memory store: task " + task.id + " exists");
    const Entry& entry = placed.position->second;
    if (!isTerminal(entry.task.status)) {
      outboxNode.key() = entry.outboxKey;
      outboxNode.mapped() = &entry;
      outbox_.insert(std::move(outboxNode));  // keys are unique: never fails
    }
    return Status::ok();
  } catch (...) {
    return fromException("insert");
  }
}

Result<Task> MemoryStore::get(const std::string& taskId) noexcept {
  try {
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto it = tasks_.find(taskId);
    if (it == tasks_.end()) return Status::notFound("memory store: no task " + taskId);
    return it->second.task;
  } catch (...) {
    return fromException("get");
  }
}

Result<bool> MemoryStore::complete(const TaskResult& result) noexcept {
  try {
    if (!isTerminal(result.status)) {
      return Status::invalidArgument(std::string("memory store: result status '") +
                                     taskStatusName(result.status) + "' is not terminal");
    }
    std::string message = result.message;  // copied outside the lock
    const EpochMillis updatedAt = result.finishedAt != 0 ? result.finishedAt : nowMillis();
    std::unique_lock<std::shared_mutex> lock(mu_);
    auto it = tasks_.find(result.taskId);
    if (it == tasks_.end()) return Status::notFound("memory store: no task " + result.taskId);
    Task& task = it->second.task;
    if (isTerminal(task.status)) return false;  // terminal states are final
    task.status = result.status;
    task.resultCode = result.code;
    task.resultMessage.swap(message);
    task.updatedAt = updatedAt;
    unlistLocked(it->second);
    return true;
  } catch (...) {
    return fromException("complete");
  }
}

Result<std::vector<Task>> MemoryStore::unpublished(std::size_t limit,
                                                   EpochMillis createdBefore) noexcept {
  try {
    std::vector<Task> tasks;
    std::shared_lock<std::shared_mutex> lock(mu_);
    for (auto it = outbox_.begin(); it != outbox_.end() && tasks.size() < limit; ++it) {
      if (it->first.first > createdBefore) break;  // the rest are newer still
      tasks.push_back(it->second->task);
    }
    return tasks;
  } catch (...) {
    return fromException("unpublished");
  }
}

Status MemoryStore::markPublished(const std::vector<std::string>& taskIds) noexcept {
  try {
    std::unique_lock<std::shared_mutex> lock(mu_);
    for (const auto& id : taskIds) {
      auto it = tasks_.find(id);
      if (it != tasks_.end()) unlistLocked(it->second);
    }
    return Status::ok();
  } catch (...) {
    return fromException("markPublished");
  }
}

TaskStore* createStore(const plugin::Settings& /*settings*/, std::string& error) noexcept {
  try {
    return new MemoryStore;
  } catch (...) {
    error = "out of memory";
    return nullptr;
  }
}

const plugin::Descriptor kDescriptor{
    plugin::kAbiVersion,      plugin::Kind::kStore, "memory",    plugin::kBuildFingerprint,
    /*keys=*/nullptr,         /*keyCount=*/0,       createStore,
    /*createBroker=*/nullptr,
};

}  // namespace
}  // namespace cpe

CPE_PLUGIN_EXPORT const cpe::plugin::Descriptor* cpe_plugin_descriptor() noexcept {
  return &cpe::kDescriptor;
}
