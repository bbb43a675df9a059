#pragma once

#include <chrono>
#include <string>

#include "api/task_watch.h"
#include "cpe/task_service.h"

namespace cpe::host::api {

// GET …/task/{task}?waitSeconds=N: reads the task until it is terminal, `wait`
// has passed or `watch` stops, and returns the last read (a store error or
// "not found" at once). The store is read once at the start, then once per
// `pollInterval` (results applied by another process) and once when `watch`
// announces the task (results applied here): never more often.
Result<Task> awaitTaskStatus(TaskService& service, TaskWatch& watch, const std::string& equipmentId,
                             const std::string& taskId, std::chrono::seconds wait,
                             std::chrono::milliseconds pollInterval);

}  // namespace cpe::host::api
