#pragma once

#include <Poco/Format.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "cpe/sdk/task.h"

namespace cpe {

// Names of the Poco::Message parameters that say which task and which device
// a log line is about. The text log format prints the message alone, as it
// always has; the JSON format (logging.format = json) writes each parameter
// as a field of its own, so a task's lines are found by id, not by grepping
// message texts.
inline constexpr const char* kLogTaskId = "taskId";
inline constexpr const char* kLogDeviceId = "deviceId";

// Ids are client- or broker-supplied text: a field holds at most this many
// characters, printable ASCII only (sanitizeForLog), like the message texts.
// Task ids (36) and any sane device serial fit.
inline constexpr std::size_t kMaxLoggedIdLength = 128;

// One log call about a task or a device: a logger plus the ids, set on the
// line as named parameters. Formats like Poco::Logger's own methods, and only
// when the logger's level lets the line through:
//
//   withTask(log_, task).warning("task %s: giving up after %d call(s)", task.id, calls);
//
// It holds views of the ids: make it and use it in one expression.
class FieldLog {
 public:
  FieldLog(Poco::Logger& logger, std::string_view taskId, std::string_view deviceId) noexcept
      : logger_(logger), taskId_(taskId), deviceId_(deviceId) {}

  template <typename... Args>
  void debug(const std::string& format, Args&&... args) const {
    write(Poco::Message::PRIO_DEBUG, format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void information(const std::string& format, Args&&... args) const {
    write(Poco::Message::PRIO_INFORMATION, format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void warning(const std::string& format, Args&&... args) const {
    write(Poco::Message::PRIO_WARNING, format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void error(const std::string& format, Args&&... args) const {
    write(Poco::Message::PRIO_ERROR, format, std::forward<Args>(args)...);
  }

 private:
  template <typename... Args>
  void write(Poco::Message::Priority priority, const std::string& format, Args&&... args) const {
    if (!logger_.is(priority)) return;
    if constexpr (sizeof...(Args) == 0) {
      send(priority, format);
    } else {
      send(priority, Poco::format(format, std::forward<Args>(args)...));
    }
  }
  void send(Poco::Message::Priority priority, const std::string& text) const;

  Poco::Logger& logger_;
  std::string_view taskId_;
  std::string_view deviceId_;
};

// A line about `task` (or the task of `result`): its id and its device's.
FieldLog withTask(Poco::Logger& logger, const Task& task) noexcept;
FieldLog withTask(Poco::Logger& logger, const TaskResult& result) noexcept;
// A line about a device, where no task id is known (service A's stub).
FieldLog withDevice(Poco::Logger& logger, std::string_view deviceId) noexcept;

}  // namespace cpe
