// libcpe_store_example.so: a TaskStore that logs every call it gets (never
// a task's parameters: they hold the device password) and keeps tasks in
// memory, in the simplest way that keeps the contract of
// cpe/sdk/task_store.h. A starting point for a store on your own database:
// replace the maps with your tables, keep the promises.

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cpe/sdk/mutex.h"
#include "cpe/sdk/plugin_settings.h"
#include "cpe/sdk/plugin_support.h"
#include "cpe/sdk/task_store.h"
#include "cpe/sdk/thread_annotations.h"

namespace example {
namespace {

using cpe::EpochMillis;
using cpe::Result;
using cpe::Status;
using cpe::Task;
using cpe::TaskResult;

// The keys this plugin accepts, under store.example.; the host refuses any
// other key there, so a misspelt one is never silently ignored.
const cpe::plugin::ConfigKey kConfigKeys[] = {
    {"logCalls", "true", "Log one line per store call (true or false)."},
};

class ExampleStore final : public cpe::TaskStore {
 public:
  explicit ExampleStore(bool logCalls) : log_("store.example"), logCalls_(logCalls) {}

  Status insert(const Task& task) noexcept override {
    note("insert " + task.id);
    try {
      cpe::MutexLock lock(mutex_);
      return insertLocked(task);
    } catch (...) {
      return cpe::plugin::statusFromException("example store: insert");
    }
  }

  Result<Task> insertWithKey(const Task& task, const std::string& key,
                             EpochMillis since) noexcept override {
    note("insertWithKey " + task.id);
    try {
      if (key.empty()) return Status::invalidArgument("example store: empty idempotency key");
      // One lock for look-up and insert: of racing calls exactly one stores.
      cpe::MutexLock lock(mutex_);
      const auto owner = keys_.find({task.equipmentId, key});
      if (owner != keys_.end() && owner->second.createdAt >= since) {
        return tasks_.at(owner->second.taskId).task;
      }
      if (Status inserted = insertLocked(task); !inserted.isOk()) return inserted;
      keys_[{task.equipmentId, key}] = KeyOwner{task.id, task.createdAt};
      return task;
    } catch (...) {
      return cpe::plugin::statusFromException("example store: insertWithKey");
    }
  }

  Result<Task> get(const std::string& taskId) noexcept override {
    note("get " + taskId);
    try {
      cpe::MutexLock lock(mutex_);
      const auto found = tasks_.find(taskId);
      if (found == tasks_.end()) return Status::notFound("example store: no task " + taskId);
      return found->second.task;
    } catch (...) {
      return cpe::plugin::statusFromException("example store: get");
    }
  }

  Result<bool> complete(const TaskResult& result) noexcept override {
    note("complete " + result.taskId);
    try {
      if (!cpe::isTerminal(result.status)) {
        return Status::invalidArgument("example store: a result must be terminal");
      }
      cpe::MutexLock lock(mutex_);
      const auto found = tasks_.find(result.taskId);
      if (found == tasks_.end()) return Status::notFound("example store: no task " + result.taskId);
      Entry& entry = found->second;
      if (cpe::isTerminal(entry.task.status)) return false;  // terminal states are final
      entry.task.status = result.status;
      entry.task.resultCode = result.code;
      entry.task.resultMessage = result.message;
      entry.task.updatedAt = result.finishedAt != 0 ? result.finishedAt : cpe::nowMillis();
      entry.task.parametersJson.clear();  // the device password is needed no longer
      entry.published = true;
      return true;
    } catch (...) {
      return cpe::plugin::statusFromException("example store: complete");
    }
  }

  Result<std::vector<Task>> unpublished(std::size_t limit,
                                        EpochMillis createdBefore) noexcept override {
    note("unpublished");
    try {
      cpe::MutexLock lock(mutex_);
      return oldestQueued(createdBefore, /*inclusive=*/true, /*unpublishedOnly=*/true, limit);
    } catch (...) {
      return cpe::plugin::statusFromException("example store: unpublished");
    }
  }

  Status markPublished(const std::vector<std::string>& taskIds) noexcept override {
    note("markPublished " + std::to_string(taskIds.size()) + " task(s)");
    try {
      const EpochMillis now = cpe::nowMillis();
      cpe::MutexLock lock(mutex_);
      for (const std::string& id : taskIds) {
        Entry* entry = queuedLocked(id);
        if (entry == nullptr) continue;
        entry->published = true;
        ++entry->publishCount;
        entry->lastPublishedAt = now;
      }
      return Status::ok();
    } catch (...) {
      return cpe::plugin::statusFromException("example store: markPublished");
    }
  }

  Result<std::vector<cpe::PublishedTask>> publishedBefore(EpochMillis publishedBefore,
                                                          std::size_t limit) noexcept override {
    note("publishedBefore");
    try {
      std::vector<cpe::PublishedTask> found;
      cpe::MutexLock lock(mutex_);
      for (const auto& [id, entry] : tasks_) {
        if (entry.task.status == cpe::TaskStatus::kQueued && entry.published &&
            entry.lastPublishedAt < publishedBefore) {
          found.push_back({id, entry.task.equipmentId, entry.publishCount, entry.lastPublishedAt});
        }
      }
      std::sort(found.begin(), found.end(),
                [](const cpe::PublishedTask& a, const cpe::PublishedTask& b) {
                  return a.lastPublishedAt < b.lastPublishedAt;
                });
      if (found.size() > limit) found.resize(limit);
      return found;
    } catch (...) {
      return cpe::plugin::statusFromException("example store: publishedBefore");
    }
  }

  Status markUnpublished(const std::vector<std::string>& taskIds) noexcept override {
    note("markUnpublished " + std::to_string(taskIds.size()) + " task(s)");
    try {
      cpe::MutexLock lock(mutex_);
      for (const std::string& id : taskIds) {
        if (Entry* entry = queuedLocked(id); entry != nullptr) entry->published = false;
      }
      return Status::ok();
    } catch (...) {
      return cpe::plugin::statusFromException("example store: markUnpublished");
    }
  }

  Result<cpe::QueuedTasks> queuedBefore(EpochMillis createdBefore,
                                        std::size_t sampleLimit) noexcept override {
    note("queuedBefore");
    try {
      cpe::MutexLock lock(mutex_);
      const std::vector<Task> old =
          oldestQueued(createdBefore, /*inclusive=*/false, /*unpublishedOnly=*/false, SIZE_MAX);
      cpe::QueuedTasks queued;
      queued.count = old.size();
      for (std::size_t i = 0; i < old.size() && i < sampleLimit; ++i) {
        queued.oldestIds.push_back(old[i].id);
      }
      return queued;
    } catch (...) {
      return cpe::plugin::statusFromException("example store: queuedBefore");
    }
  }

  Result<std::vector<cpe::TaskSummary>> listDeviceTasks(
      const std::string& equipmentId, std::size_t limit,
      const std::optional<cpe::TaskPosition>& after) noexcept override {
    note("listDeviceTasks " + equipmentId);
    try {
      // Newest first: created descending, then id descending. A scan and a
      // sort, fine for an example; a real store reads an index in this order.
      const auto newer = [](const Task* a, const Task* b) {
        return std::tie(a->createdAt, a->id) > std::tie(b->createdAt, b->id);
      };
      std::vector<cpe::TaskSummary> page;
      cpe::MutexLock lock(mutex_);
      std::vector<const Task*> found;
      for (const auto& [id, entry] : tasks_) {
        if (entry.task.equipmentId != equipmentId) continue;
        if (after && !(std::tie(after->createdAt, after->id) >
                       std::tie(entry.task.createdAt, entry.task.id))) {
          continue;  // not strictly after the position
        }
        found.push_back(&entry.task);
      }
      std::sort(found.begin(), found.end(), newer);
      for (std::size_t i = 0; i < found.size() && i < limit; ++i) {
        page.push_back({found[i]->id, found[i]->status, found[i]->createdAt, found[i]->updatedAt});
      }
      return page;
    } catch (...) {
      return cpe::plugin::statusFromException("example store: listDeviceTasks");
    }
  }

  Status ping() noexcept override { return Status::ok(); }

 private:
  struct Entry {
    Task task;
    bool published = false;
    unsigned long long sequence = 0;  // insertion order, for ties in createdAt
    int publishCount = 0;
    EpochMillis lastPublishedAt = 0;
  };
  struct KeyOwner {
    std::string taskId;
    EpochMillis createdAt = 0;
  };

  // The task with this id if it is still queued: only those are published
  // or handed back. Null for a terminal task or an unknown id.
  Entry* queuedLocked(const std::string& id) CPE_REQUIRES(mutex_) {
    const auto found = tasks_.find(id);
    if (found == tasks_.end() || cpe::isTerminal(found->second.task.status)) return nullptr;
    return &found->second;
  }

  Status insertLocked(const Task& task) CPE_REQUIRES(mutex_) {
    Entry entry{task, false, nextSequence_++, 0, 0};
    if (!tasks_.emplace(task.id, std::move(entry)).second) {
      return Status::alreadyExists("example store: task " + task.id + " exists");
    }
    return Status::ok();
  }

  // Queued tasks created before the cut-off, oldest first: a scan, which is
  // fine for an example; a real store answers this from an index.
  std::vector<Task> oldestQueued(EpochMillis cutOff, bool inclusive, bool unpublishedOnly,
                                 std::size_t limit) CPE_REQUIRES(mutex_) {
    std::vector<const Entry*> found;
    for (const auto& [id, entry] : tasks_) {
      const bool oldEnough =
          inclusive ? entry.task.createdAt <= cutOff : entry.task.createdAt < cutOff;
      if (entry.task.status == cpe::TaskStatus::kQueued && oldEnough &&
          !(unpublishedOnly && entry.published)) {
        found.push_back(&entry);
      }
    }
    std::sort(found.begin(), found.end(), [](const Entry* a, const Entry* b) {
      return std::tie(a->task.createdAt, a->sequence) < std::tie(b->task.createdAt, b->sequence);
    });
    std::vector<Task> tasks;
    for (std::size_t i = 0; i < found.size() && i < limit; ++i) tasks.push_back(found[i]->task);
    return tasks;
  }

  void note(const std::string& call) const noexcept {
    if (logCalls_) log_.information(call);
  }

  const cpe::plugin::PluginLog log_;
  const bool logCalls_;
  cpe::Mutex mutex_;
  std::map<std::string, Entry> tasks_ CPE_GUARDED_BY(mutex_);
  std::map<std::pair<std::string, std::string>, KeyOwner> keys_ CPE_GUARDED_BY(mutex_);
  unsigned long long nextSequence_ CPE_GUARDED_BY(mutex_) = 0;
};

// The plugin's factory: reads its settings, or says which one is wrong.
Result<std::unique_ptr<cpe::TaskStore>> makeStore(const cpe::plugin::Settings& settings) {
  const cpe::plugin::SettingsReader reader(settings, kConfigKeys, std::size(kConfigKeys),
                                           "store.example");
  const std::string logCalls = reader.value("logCalls");
  if (logCalls != "true" && logCalls != "false") {
    return reader.refused("logCalls", logCalls, "true or false");
  }
  return std::unique_ptr<cpe::TaskStore>(new ExampleStore(logCalls == "true"));
}

}  // namespace
}  // namespace example

// The one exported symbol: cpe_plugin_descriptor(), naming the plugin
// "example" (its keys live under store.example.) and its factory.
CPE_STORE_PLUGIN("example", example::kConfigKeys, std::size(example::kConfigKeys),
                 example::makeStore)
