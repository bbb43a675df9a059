#include "memory_store.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cpe/sdk/mutex.h"
#include "cpe/sdk/plugin_support.h"
#include "cpe/sdk/thread_annotations.h"

namespace cpe::stores::memory {
namespace {

class MemoryStore final : public TaskStore {
 public:
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
  Status ping() noexcept override { return Status::ok(); }
  Result<std::vector<Task>> queuedInTheClear(std::size_t limit,
                                             const std::string& afterId) noexcept override;
  Result<bool> replaceParameters(const std::string& taskId, const std::string& expected,
                                 const std::string& replacement) noexcept override;
  Result<DeletedRows> deleteFinishedBefore(EpochMillis finishedBefore,
                                           std::size_t limit) noexcept override;

 private:
  // Outbox order: creation time, then insertion order among tasks created in
  // the same millisecond, so the relay publishes in the order tasks arrived.
  using OutboxKey = std::pair<EpochMillis, std::uint64_t>;

  struct Entry {
    Task task;
    OutboxKey outboxKey;
    int publishCount = 0;
    EpochMillis lastPublishedAt = 0;
  };
  using TaskMap = std::unordered_map<std::string, Entry>;
  using OutboxMap = std::map<OutboxKey, const Entry*>;

  // An idempotency key: (equipment id, key) -> the task that owns it.
  struct KeyOwner {
    std::string taskId;
    EpochMillis createdAt;
  };
  using KeyMap = std::map<std::pair<std::string, std::string>, KeyOwner>;

  // A task's place in its device's history: device by device, each newest
  // first (TaskPosition's order; std::string compares bytes as unsigned, as
  // the SQL stores do). A bare device id looks up the first of its tasks.
  struct HistoryKey {
    std::string equipmentId;
    EpochMillis createdAt;
    std::string id;
  };
  struct HistoryOrder {
    using is_transparent = void;
    bool operator()(const HistoryKey& a, const HistoryKey& b) const {
      if (a.equipmentId != b.equipmentId) return a.equipmentId < b.equipmentId;
      if (a.createdAt != b.createdAt) return a.createdAt > b.createdAt;
      return a.id > b.id;
    }
    bool operator()(const HistoryKey& a, std::string_view device) const {
      return a.equipmentId < device;
    }
    bool operator()(std::string_view device, const HistoryKey& b) const {
      return device < b.equipmentId;
    }
  };
  using HistoryMap = std::map<HistoryKey, const Entry*, HistoryOrder>;

  // A task's map nodes, allocated and filled before the lock is taken: under
  // it, only the links are made (and now and then a rehash).
  struct Staged {
    TaskMap::node_type task;
    OutboxMap::node_type outbox;
    OutboxMap::node_type queued;
    HistoryMap::node_type history;
  };
  static Staged stage(const Task& task);
  // Links a staged task into the maps; kAlreadyExists if its id is taken.
  Status placeLocked(Staged staged) CPE_REQUIRES(mu_);

  // Removes the entry from the outbox, if it is there.
  void unlistLocked(const Entry& entry) CPE_REQUIRES(mu_) { outbox_.erase(entry.outboxKey); }

  // Readers (get, unpublished, queuedBefore) share the lock; every writer
  // holds it only for map operations, never while copying a task's strings
  // in (only a repeated insertWithKey copies the task it found out).
  SharedMutex mu_;
  TaskMap tasks_ CPE_GUARDED_BY(mu_);
  // Invariant: holds exactly the tasks that are queued and not yet published.
  // Values point into tasks_, whose nodes never move.
  OutboxMap outbox_ CPE_GUARDED_BY(mu_);
  // Invariant: holds exactly the tasks that are queued, published or not;
  // for queuedBefore.
  OutboxMap queued_ CPE_GUARDED_BY(mu_);
  KeyMap keys_ CPE_GUARDED_BY(mu_);
  // Every task, for listDeviceTasks. Values point into tasks_.
  HistoryMap history_ CPE_GUARDED_BY(mu_);
  std::uint64_t nextSequence_ CPE_GUARDED_BY(mu_) = 0;
};

MemoryStore::Staged MemoryStore::stage(const Task& task) {
  Staged staged;
  TaskMap tasks;
  tasks.try_emplace(task.id, Entry{task, {task.createdAt, 0}, 0, 0});
  staged.task = tasks.extract(tasks.begin());
  OutboxMap lists;
  lists.emplace(OutboxKey{0, 0}, nullptr);
  lists.emplace(OutboxKey{0, 1}, nullptr);
  staged.outbox = lists.extract(lists.begin());
  staged.queued = lists.extract(lists.begin());
  HistoryMap history;
  history.try_emplace(HistoryKey{task.equipmentId, task.createdAt, task.id}, nullptr);
  staged.history = history.extract(history.begin());
  return staged;
}

Status MemoryStore::placeLocked(Staged staged) {
  const std::string& id = staged.task.key();
  if (tasks_.count(id) != 0) return Status::alreadyExists("memory store: task " + id + " exists");
  staged.task.mapped().outboxKey.second = nextSequence_++;
  const Entry& entry = tasks_.insert(std::move(staged.task)).position->second;
  // Unique, as the id in its key is.
  staged.history.mapped() = &entry;
  history_.insert(std::move(staged.history));
  if (!isTerminal(entry.task.status)) {
    // Keys are unique, so neither insert fails.
    staged.outbox.key() = entry.outboxKey;
    staged.outbox.mapped() = &entry;
    outbox_.insert(std::move(staged.outbox));
    staged.queued.key() = entry.outboxKey;
    staged.queued.mapped() = &entry;
    queued_.insert(std::move(staged.queued));
  }
  return Status::ok();
}

Status MemoryStore::insert(const Task& task) noexcept {
  try {
    Staged staged = stage(task);
    WriterMutexLock lock(mu_);
    return placeLocked(std::move(staged));
  } catch (...) {
    return plugin::statusFromException("memory store: insert");
  }
}

Result<Task> MemoryStore::insertWithKey(const Task& task, const std::string& key,
                                        EpochMillis since) noexcept {
  try {
    if (key.empty()) return Status::invalidArgument("memory store: empty idempotency key");
    Staged staged = stage(task);
    KeyMap keyStaging;
    keyStaging.try_emplace({task.equipmentId, key}, KeyOwner{task.id, task.createdAt});
    KeyMap::node_type keyNode = keyStaging.extract(keyStaging.begin());

    // One lock for the look-up and the insert: racing calls take turns, and
    // the first one's task is what the others find.
    WriterMutexLock lock(mu_);
    auto owner = keys_.find(keyNode.key());
    if (owner != keys_.end() && owner->second.createdAt >= since) {
      auto found = tasks_.find(owner->second.taskId);
      if (found == tasks_.end()) {
        return Status::internal("memory store: idempotency key owned by missing task " +
                                owner->second.taskId);
      }
      return found->second.task;
    }
    if (Status placed = placeLocked(std::move(staged)); !placed.isOk()) return placed;
    if (owner != keys_.end()) {
      owner->second.taskId.swap(keyNode.mapped().taskId);  // taken from the older task
      owner->second.createdAt = keyNode.mapped().createdAt;
    } else {
      keys_.insert(std::move(keyNode));
    }
    return task;
  } catch (...) {
    return plugin::statusFromException("memory store: insertWithKey");
  }
}

Result<Task> MemoryStore::get(const std::string& taskId) noexcept {
  try {
    ReaderMutexLock lock(mu_);
    auto it = tasks_.find(taskId);
    if (it == tasks_.end()) return Status::notFound("memory store: no task " + taskId);
    return it->second.task;
  } catch (...) {
    return plugin::statusFromException("memory store: get");
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
    WriterMutexLock lock(mu_);
    auto it = tasks_.find(result.taskId);
    if (it == tasks_.end()) return Status::notFound("memory store: no task " + result.taskId);
    Task& task = it->second.task;
    if (isTerminal(task.status)) return false;  // terminal states are final
    task.status = result.status;
    task.parametersJson.clear();  // the password is kept no longer than a call may need it
    task.resultCode = result.code;
    task.resultMessage.swap(message);
    task.updatedAt = updatedAt;
    unlistLocked(it->second);
    queued_.erase(it->second.outboxKey);
    return true;
  } catch (...) {
    return plugin::statusFromException("memory store: complete");
  }
}

Result<std::vector<Task>> MemoryStore::unpublished(std::size_t limit,
                                                   EpochMillis createdBefore) noexcept {
  try {
    std::vector<Task> tasks;
    ReaderMutexLock lock(mu_);
    for (auto it = outbox_.begin(); it != outbox_.end() && tasks.size() < limit; ++it) {
      if (it->first.first > createdBefore) break;  // the rest are newer still
      tasks.push_back(it->second->task);
    }
    return tasks;
  } catch (...) {
    return plugin::statusFromException("memory store: unpublished");
  }
}

Status MemoryStore::markPublished(const std::vector<std::string>& taskIds) noexcept {
  try {
    const EpochMillis now = nowMillis();
    WriterMutexLock lock(mu_);
    for (const auto& id : taskIds) {
      auto it = tasks_.find(id);
      if (it == tasks_.end() || isTerminal(it->second.task.status)) continue;
      unlistLocked(it->second);
      ++it->second.publishCount;
      it->second.lastPublishedAt = now;
    }
    return Status::ok();
  } catch (...) {
    return plugin::statusFromException("memory store: markPublished");
  }
}

Result<std::vector<PublishedTask>> MemoryStore::publishedBefore(EpochMillis publishedBefore,
                                                                std::size_t limit) noexcept {
  try {
    std::vector<PublishedTask> found;
    {
      ReaderMutexLock lock(mu_);
      // A walk of every queued task: rare (the reconciler's minute) and the
      // memory store holds no more than a test or a demo puts in it.
      for (const auto& [key, entry] : queued_) {
        if (outbox_.count(key) != 0 || entry->lastPublishedAt >= publishedBefore) continue;
        found.push_back({entry->task.id, entry->task.equipmentId, entry->publishCount,
                         entry->lastPublishedAt});
      }
    }
    std::sort(found.begin(), found.end(), [](const PublishedTask& a, const PublishedTask& b) {
      return a.lastPublishedAt < b.lastPublishedAt;
    });
    if (found.size() > limit) found.resize(limit);
    return found;
  } catch (...) {
    return plugin::statusFromException("memory store: publishedBefore");
  }
}

Status MemoryStore::markUnpublished(const std::vector<std::string>& taskIds) noexcept {
  try {
    WriterMutexLock lock(mu_);
    for (const auto& id : taskIds) {
      auto it = tasks_.find(id);
      if (it == tasks_.end() || isTerminal(it->second.task.status)) continue;
      outbox_.emplace(it->second.outboxKey, &it->second);  // a no-op if still listed
    }
    return Status::ok();
  } catch (...) {
    return plugin::statusFromException("memory store: markUnpublished");
  }
}

Result<QueuedTasks> MemoryStore::queuedBefore(EpochMillis createdBefore,
                                              std::size_t sampleLimit) noexcept {
  try {
    QueuedTasks queued;
    ReaderMutexLock lock(mu_);
    // In creation order, so the walk stops at the first task too young, and
    // the first ones seen are the oldest.
    for (auto it = queued_.begin(); it != queued_.end(); ++it) {
      if (it->first.first >= createdBefore) break;
      if (queued.oldestIds.size() < sampleLimit) queued.oldestIds.push_back(it->second->task.id);
      ++queued.count;
    }
    return queued;
  } catch (...) {
    return plugin::statusFromException("memory store: queuedBefore");
  }
}

Result<std::vector<TaskSummary>> MemoryStore::listDeviceTasks(
    const std::string& equipmentId, std::size_t limit,
    const std::optional<TaskPosition>& after) noexcept {
  try {
    std::vector<TaskSummary> tasks;
    if (limit == 0) return tasks;
    std::optional<HistoryKey> position;
    if (after) position = HistoryKey{equipmentId, after->createdAt, after->id};
    ReaderMutexLock lock(mu_);
    auto it = position ? history_.upper_bound(*position)
                       : history_.lower_bound(std::string_view(equipmentId));
    for (; it != history_.end() && tasks.size() < limit && it->first.equipmentId == equipmentId;
         ++it) {
      const Task& task = it->second->task;
      tasks.push_back({task.id, task.status, task.createdAt, task.updatedAt});
    }
    return tasks;
  } catch (...) {
    return plugin::statusFromException("memory store: listDeviceTasks");
  }
}

Result<std::vector<Task>> MemoryStore::queuedInTheClear(std::size_t limit,
                                                        const std::string& afterId) noexcept {
  try {
    std::vector<Task> tasks;
    {
      ReaderMutexLock lock(mu_);
      // A walk of every queued task, as in publishedBefore: once per host start.
      for (const auto& [key, entry] : queued_) {
        const Task& task = entry->task;
        if (task.id > afterId && !task.parametersJson.empty() && task.parametersJson[0] == '{') {
          tasks.push_back(task);
        }
      }
    }
    std::sort(tasks.begin(), tasks.end(), [](const Task& a, const Task& b) { return a.id < b.id; });
    if (tasks.size() > limit) tasks.resize(limit);
    return tasks;
  } catch (...) {
    return plugin::statusFromException("memory store: queuedInTheClear");
  }
}

Result<bool> MemoryStore::replaceParameters(const std::string& taskId, const std::string& expected,
                                            const std::string& replacement) noexcept {
  try {
    std::string parameters = replacement;  // copied outside the lock
    WriterMutexLock lock(mu_);
    auto it = tasks_.find(taskId);
    if (it == tasks_.end()) return false;
    Task& task = it->second.task;
    if (isTerminal(task.status) || task.parametersJson != expected) return false;
    task.parametersJson.swap(parameters);
    return true;
  } catch (...) {
    return plugin::statusFromException("memory store: replaceParameters");
  }
}

// A walk of every task and key, under the writer's lock: the memory store
// holds what one process's tests and demos make, not millions.
Result<DeletedRows> MemoryStore::deleteFinishedBefore(EpochMillis finishedBefore,
                                                      std::size_t limit) noexcept {
  try {
    DeletedRows deleted;
    WriterMutexLock lock(mu_);
    std::vector<std::pair<EpochMillis, const Task*>> finished;
    for (const auto& [id, entry] : tasks_) {
      if (isTerminal(entry.task.status) && entry.task.updatedAt < finishedBefore) {
        finished.emplace_back(entry.task.updatedAt, &entry.task);
      }
    }
    std::sort(finished.begin(), finished.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    if (finished.size() > limit) finished.resize(limit);
    for (const auto& [updatedAt, task] : finished) {
      history_.erase(HistoryKey{task->equipmentId, task->createdAt, task->id});
      const std::string id = task->id;  // `task` lives in the node erased next
      tasks_.erase(id);
      ++deleted.tasks;
    }
    for (auto it = keys_.begin(); it != keys_.end() && deleted.keys < limit;) {
      if (it->second.createdAt < finishedBefore) {
        it = keys_.erase(it);
        ++deleted.keys;
      } else {
        ++it;
      }
    }
    return deleted;
  } catch (...) {
    return plugin::statusFromException("memory store: deleteFinishedBefore");
  }
}

}  // namespace

std::unique_ptr<TaskStore> newMemoryStore() { return std::make_unique<MemoryStore>(); }

}  // namespace cpe::stores::memory
