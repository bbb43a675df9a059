#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "cpe/credential_sealer.h"
#include "cpe/device_history.h"
#include "cpe/provisioning_request.h"
#include "cpe/sdk/status.h"
#include "cpe/sdk/task.h"
#include "cpe/sdk/task_store.h"

namespace cpe {

// Hands a freshly stored task to whatever publishes it to the broker (the
// host's outbox relay). None of the calls may block.
//
// A task id is reserved before its task is stored and then either enqueued
// or abandoned: while reserved, the publisher's outbox sweep leaves it alone,
// so an insert that is slow to return (or a thread descheduled after it)
// never lets the sweep and the fast path both publish the task.
class TaskPublisher {
 public:
  virtual ~TaskPublisher() = default;
  virtual void reserve(const std::string& taskId) noexcept = 0;
  // The task is safe in the store's outbox, so a publisher that is busy may
  // drop it and let its outbox sweep pick it up later.
  virtual void enqueue(const Task& task) noexcept = 0;
  // The task was not stored after all.
  virtual void abandon(const std::string& taskId) noexcept = 0;
};

// An Idempotency-Key as a client may send it: 1 to 255 printable ASCII
// characters (0x21-0x7E), so it is safe to store and to log.
inline constexpr std::size_t kMaxIdempotencyKeyLength = 255;
bool isValidIdempotencyKey(std::string_view key);

struct TaskServiceOptions {
  // A POST repeating the Idempotency-Key of an earlier POST for the same
  // device within this window gets that POST's task instead of a new one.
  std::chrono::milliseconds idempotencyWindow{std::chrono::hours(24)};
  // Seals a new task's parameters before they reach the store or the broker
  // (issue 11); null: they stay in the clear (development only).
  const CredentialSealer* sealer = nullptr;
};

// A task as create() hands it back.
struct CreatedTask {
  Task task;
  bool replayed = false;  // an earlier request with the same key created it
};

// The rules of the task lifecycle, over the ports only. Thread-safe if the
// store is (TaskStore's thread rule).
class TaskService {
 public:
  using IdGenerator = std::function<std::string()>;

  // `newId` defaults to random (version 4) UUIDs in lower case.
  TaskService(TaskStore& store, TaskPublisher& publisher, IdGenerator newId = {},
              TaskServiceOptions options = {});

  // Records a queued task for a validated request and hands it to the
  // publisher. Returns once the store has it: from then on it reaches the
  // broker at least once. Store errors are passed through (kUnavailable: the
  // API answers 503).
  Result<Task> create(const std::string& equipmentId, const ProvisioningRequest& request);

  // create() for a request carrying a (valid) Idempotency-Key: within the
  // window, a repeat for the same device returns the first request's task,
  // replayed, and creates nothing; so a client may retry a POST whose answer
  // it lost. The repeat's body is not compared with the first one's.
  Result<CreatedTask> createWithKey(const std::string& equipmentId,
                                    const ProvisioningRequest& request,
                                    const std::string& idempotencyKey);

  // The task, if it exists and belongs to this device; kNotFound otherwise
  // (a task asked under another device id is "not found", not "forbidden",
  // so ids of other devices' tasks cannot be probed).
  Result<Task> find(const std::string& equipmentId, const std::string& taskId);

  // Applies a worker's result once: true when it changed the task, false
  // when the task was already terminal (a redelivery). kNotFound for a result
  // about a task this store never had.
  Result<bool> applyResult(const TaskResult& result);

  // A page of the device's history (device_history.h): `query.limit` tasks
  // newest first, after `query.after` if set, and where the next page
  // starts if there are more. A device with no tasks has an empty page.
  // Store errors are passed through (kUnavailable: the API answers 503).
  Result<HistoryPage> history(const std::string& equipmentId, const HistoryQuery& query);

 private:
  Task newTask(const std::string& equipmentId, const ProvisioningRequest& request);

  TaskStore& store_;
  TaskPublisher& publisher_;
  IdGenerator newId_;
  const TaskServiceOptions options_;
};

// A random (version 4) UUID in lower case, from the system's CSPRNG.
std::string newTaskId();

// True for text of the form newTaskId() makes: 36 characters, lower-case
// hex digits in groups of 8-4-4-4-12 joined by '-'. Anything else names no
// task, so the API answers "task not found" without asking the store (and
// without putting odd bytes in a query or a log line).
bool isTaskIdForm(std::string_view text) noexcept;

// What the status endpoint says about a task (api-contract.md): the body's
// `code` and `message`. 204 means "still running".
struct StatusAnswer {
  int code;
  std::string_view message;
};
StatusAnswer statusAnswerFor(const Task& task);
StatusAnswer statusAnswerFor(TaskStatus status);

// A's answer turned into the task's terminal state: 200 → completed,
// 404 → equipment_not_found, anything else → failed.
TaskStatus terminalStatusForCode(int code);

}  // namespace cpe
