#include "api/task_wait.h"

#include <algorithm>

namespace cpe::host::api {

Result<Task> awaitTaskStatus(TaskService& service, TaskWatch& watch, const std::string& equipmentId,
                             const std::string& taskId, std::chrono::seconds wait,
                             std::chrono::milliseconds pollInterval) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + wait;
  // Before the first read: a result applied between that read and the wait
  // is still announced.
  TaskWatch::Subscription subscription = watch.subscribe(taskId);
  Result<Task> task = service.find(equipmentId, taskId);
  while (task.isOk() && !isTerminal(task.value().status)) {
    const Clock::time_point now = Clock::now();
    if (now >= deadline) break;
    const TaskWatch::Wake wake = subscription.waitUntil(std::min(deadline, now + pollInterval));
    task = service.find(equipmentId, taskId);
    if (wake == TaskWatch::Wake::kStopping) break;  // the host stops: answer what is there now
  }
  return task;
}

}  // namespace cpe::host::api
