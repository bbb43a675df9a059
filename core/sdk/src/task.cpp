#include "cpe/sdk/task.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>

namespace cpe {

const char* taskStatusName(TaskStatus status) noexcept {
  switch (status) {
    case TaskStatus::kQueued:
      return "queued";
    case TaskStatus::kCompleted:
      return "completed";
    case TaskStatus::kEquipmentNotFound:
      return "equipment_not_found";
    case TaskStatus::kFailed:
      return "failed";
  }
  return "failed";
}

std::optional<TaskStatus> parseTaskStatus(std::string_view name) noexcept {
  for (TaskStatus status : {TaskStatus::kQueued, TaskStatus::kCompleted,
                            TaskStatus::kEquipmentNotFound, TaskStatus::kFailed}) {
    if (name == taskStatusName(status)) return status;
  }
  return std::nullopt;
}

EpochMillis nowMillis() noexcept { return Poco::Timestamp().epochMicroseconds() / 1000; }

std::string formatTimestamp(EpochMillis millis) {
  return Poco::DateTimeFormatter::format(Poco::Timestamp(millis * 1000), "%Y-%m-%dT%H:%M:%S.%iZ");
}

}  // namespace cpe
