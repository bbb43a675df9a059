#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "cpe/sdk/status.h"
#include "cpe/sdk/task.h"

namespace cpe {

// Tasks still queued past an age: how many, and the oldest few by id.
struct QueuedTasks {
  std::size_t count = 0;
  std::vector<std::string> oldestIds;  // oldest first
};

// A queued task the broker has confirmed: how often, and when last. The
// host's reconciler uses it to find task messages the broker lost.
struct PublishedTask {
  std::string id;
  std::string equipmentId;
  int publishCount = 0;             // confirmed publishes so far
  EpochMillis lastPublishedAt = 0;  // when the last one was marked
};

// What one round of retention deleted (TaskStore::deleteFinishedBefore).
struct DeletedRows {
  std::size_t tasks = 0;  // finished tasks
  std::size_t keys = 0;   // idempotency keys
};

// A task as a device's history lists it: what it is and how it ended, never
// its parameters (they hold the device password).
struct TaskSummary {
  std::string id;
  TaskStatus status = TaskStatus::kQueued;
  EpochMillis createdAt = 0;
  EpochMillis updatedAt = 0;  // Task::updatedAt: once terminal, when it finished
};

// A place in a device's history, which runs newest first: by createdAt
// descending, then by id descending (compared byte by byte), so tasks
// created in the same millisecond keep one order across pages. It need not
// be a task that exists.
struct TaskPosition {
  EpochMillis createdAt = 0;
  std::string id;
};

// The store port: where tasks live, and the outbox that guarantees every
// accepted task reaches the broker at least once.
//
// Thread rule: every method is thread-safe and may be called from any thread
// at once (API, worker, results and outbox threads share one store). Methods
// may block on I/O; none throws.
//
// Errors: kUnavailable when the backing storage cannot be reached or is busy
// (the caller may retry later); kInternal for corrupt data or a bug.
class TaskStore {
 public:
  virtual ~TaskStore() = default;

  // Records a new task (status queued) as not yet published. Durable stores
  // return only once the task survives a process crash.
  // kAlreadyExists if a task with this id exists.
  virtual Status insert(const Task& task) noexcept = 0;

  // insert() for a request that carried an idempotency key. If a task of
  // task.equipmentId was stored with the same `key` at or after `since`
  // (epoch ms), stores nothing and returns that task. Otherwise stores `task`,
  // which now owns the key (taking it from any older task, which is left as
  // it is), and returns it. Atomic: of calls racing with one device and key,
  // exactly one stores; the others return its task.
  // kInvalidArgument if `key` is empty; kAlreadyExists if task.id exists.
  virtual Result<Task> insertWithKey(const Task& task, const std::string& key,
                                     EpochMillis since) noexcept = 0;

  // The task with this id; kNotFound if there is none.
  virtual Result<Task> get(const std::string& taskId) noexcept = 0;

  // Applies a terminal result to a queued task: status, code, message,
  // updatedAt, marks it published and wipes its parametersJson (empty): the
  // device password is kept no longer than a call to A may need it. Returns true when applied, false when
  // the task was already terminal (it is left exactly as it was: terminal
  // states are final, a redelivered result changes nothing).
  // kNotFound if there is no such task; kInvalidArgument if result.status is
  // not terminal.
  virtual Result<bool> complete(const TaskResult& result) noexcept = 0;

  // The outbox: up to `limit` queued tasks not yet marked published, created
  // at or before `createdBefore`, oldest first.
  virtual Result<std::vector<Task>> unpublished(std::size_t limit,
                                                EpochMillis createdBefore) noexcept = 0;

  // Marks tasks as published (the broker confirmed them): each counts one
  // more publish, stamped with the store's clock (nowMillis()). Unknown ids
  // are ignored. Called with batches; one transaction per call where possible.
  virtual Status markPublished(const std::vector<std::string>& taskIds) noexcept = 0;

  // Up to `limit` queued tasks whose last publish was marked before
  // `publishedBefore` (epoch ms), oldest publish first: the messages the
  // reconciler checks for loss.
  virtual Result<std::vector<PublishedTask>> publishedBefore(EpochMillis publishedBefore,
                                                             std::size_t limit) noexcept = 0;

  // Hands queued tasks back to the outbox (not published, their publish
  // count kept), so that unpublished() lists them and the relay publishes
  // them again: their message was lost. Terminal tasks and unknown ids are
  // left as they are.
  virtual Status markUnpublished(const std::vector<std::string>& taskIds) noexcept = 0;

  // Tasks still queued that were created before `createdBefore`, with the
  // ids of up to `sampleLimit` of the oldest; for stuck-task reports.
  virtual Result<QueuedTasks> queuedBefore(EpochMillis createdBefore,
                                           std::size_t sampleLimit) noexcept = 0;

  // Up to `limit` of the tasks of `equipmentId`, in history order (newest
  // first, see TaskPosition); with `after`, only those that come strictly
  // after it in that order, so a caller pages by passing the last task of
  // the page before. A device with no tasks (or none after `after`) is an
  // empty list, not kNotFound: the store cannot tell a device it never saw
  // from one it does not know. Tasks stored while a caller pages are newer
  // than its position, so later pages neither repeat nor skip a task.
  // Called by the API on every history request: serve it from an index on
  // (equipment id, created at descending, id descending), reading no other
  // device's tasks and none before the page.
  virtual Result<std::vector<TaskSummary>> listDeviceTasks(
      const std::string& equipmentId, std::size_t limit,
      const std::optional<TaskPosition>& after) noexcept = 0;

  // OK when the storage answers; for readiness checks.
  virtual Status ping() noexcept = 0;

  // Since SDK 6.2: sealing what an older host stored in the clear. A host
  // that seals parameters (issue 11) finds, at start, the queued tasks an
  // earlier version stored with their parameters in the clear, seals each
  // and swaps it in with replaceParameters(). (Terminal tasks' leftover
  // parameters need no key: each durable store wipes them in the schema
  // migration that comes with this version, once, under its migration lock,
  // rather than through a method every start would call: after it,
  // complete() keeps every terminal row empty.)
  //
  // The defaults answer kUnimplemented: a store built against 6.0 or 6.1
  // still builds, and the host then only warns that stored parameters stay
  // as they are (it never calls these methods of a plugin built before 6.2,
  // whose object has no such entries).

  // Up to `limit` queued tasks whose parametersJson is in the clear (starts
  // with '{', a JSON object; sealed text never does), in id order (byte by
  // byte), only ids strictly after `afterId` ("" for the first page): the
  // caller pages by passing the last id of the page before, so a task it
  // could not seal is not listed again. Serve it from an index that holds
  // only such tasks: once sealed, the list is empty and reads nothing.
  virtual Result<std::vector<Task>> queuedInTheClear(std::size_t limit,
                                                     const std::string& afterId) noexcept {
    (void)limit;
    (void)afterId;
    return Status::unimplemented("this store plugin predates SDK 6.2 (queuedInTheClear)");
  }

  // Compare-and-set of a task's parametersJson: sets it to `replacement` if
  // the task is still queued and its parametersJson is exactly `expected`,
  // and returns true; returns false, changing nothing, if the task is
  // terminal, its parameters differ (another host sealed them first) or it
  // does not exist. Nothing else of the task changes (not updatedAt, not
  // its outbox state): a task already published stays published.
  virtual Result<bool> replaceParameters(const std::string& taskId, const std::string& expected,
                                         const std::string& replacement) noexcept {
    (void)taskId;
    (void)expected;
    (void)replacement;
    return Status::unimplemented("this store plugin predates SDK 6.2 (replaceParameters)");
  }

  // Since SDK 6.3: retention. Deletes, oldest first, up to `limit` terminal
  // tasks whose updatedAt (when they finished) is before `finishedBefore`,
  // and up to `limit` idempotency keys taken before it (a key is taken at
  // its task's createdAt, so a deleted task's key goes no later than the
  // task; keys outlive the idempotency window, which is shorter than any
  // retention, by nothing that matters). Queued tasks are never deleted,
  // however old. Answers how many of each it deleted: fewer than `limit` of
  // both means nothing older is left. The host calls it in small batches,
  // with pauses between them, so that the writes of new tasks wait little.
  // Where several hosts share the store, one deletes at a time: a call
  // while another host's runs may answer zero of both at once (the
  // in-tree postgres store takes an advisory lock and skips). Serve it from
  // an index of finished tasks by updatedAt, and one of keys by age.
  //
  // The default answers kUnimplemented: the host then logs that finished
  // tasks are kept (a plugin built before 6.3 gets it through the host's
  // adapter, which never calls its object for it).
  virtual Result<DeletedRows> deleteFinishedBefore(EpochMillis finishedBefore,
                                                   std::size_t limit) noexcept {
    (void)finishedBefore;
    (void)limit;
    return Status::unimplemented("this store plugin predates SDK 6.3 (deleteFinishedBefore)");
  }
};

}  // namespace cpe
