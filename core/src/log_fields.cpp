#include "cpe/log_fields.h"

#include "cpe/log_text.h"

namespace cpe {

void FieldLog::send(Poco::Message::Priority priority, const std::string& text) const {
  Poco::Message message(logger_.name(), text, priority);
  if (!taskId_.empty()) message.set(kLogTaskId, sanitizeForLog(taskId_, kMaxLoggedIdLength));
  if (!deviceId_.empty()) {
    message.set(kLogDeviceId, sanitizeForLog(deviceId_, kMaxLoggedIdLength));
  }
  logger_.log(message);
}

FieldLog withTask(Poco::Logger& logger, const Task& task) noexcept {
  return {logger, task.id, task.equipmentId};
}

FieldLog withTask(Poco::Logger& logger, const TaskResult& result) noexcept {
  return {logger, result.taskId, result.equipmentId};
}

FieldLog withDevice(Poco::Logger& logger, std::string_view deviceId) noexcept {
  return {logger, {}, deviceId};
}

}  // namespace cpe
