#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cpe {

// A task's life: queued, then exactly one terminal state (api-contract.md).
enum class TaskStatus { kQueued, kCompleted, kEquipmentNotFound, kFailed };

// The wire and storage names: "queued", "completed", "equipment_not_found", "failed".
const char* taskStatusName(TaskStatus status) noexcept;
std::optional<TaskStatus> parseTaskStatus(std::string_view name) noexcept;
inline bool isTerminal(TaskStatus status) { return status != TaskStatus::kQueued; }

// Milliseconds since the Unix epoch, UTC.
using EpochMillis = std::int64_t;
EpochMillis nowMillis() noexcept;
// ISO 8601 with milliseconds: "2026-11-28T22:10:00.000Z".
std::string formatTimestamp(EpochMillis millis);

// One provisioning task as stored. parametersJson holds the device password:
// it goes to A and to the store, never to a log or an API answer.
struct Task {
  std::string id;           // lower-case UUID v4
  std::string equipmentId;  // validated device serial
  int timeoutInSeconds = 0;
  std::string parametersJson;  // the accepted `parameters` object, compact JSON
  TaskStatus status = TaskStatus::kQueued;
  int resultCode = 0;         // A's code once terminal (200, 404, 500)
  std::string resultMessage;  // A's message once terminal
  EpochMillis createdAt = 0;
  EpochMillis updatedAt = 0;
};

// The outcome of one task, as the worker reports it.
struct TaskResult {
  std::string taskId;
  std::string equipmentId;
  TaskStatus status = TaskStatus::kFailed;  // a terminal state
  int code = 0;
  std::string message;
  int attempts = 0;  // calls made to A
  EpochMillis finishedAt = 0;
};

}  // namespace cpe
