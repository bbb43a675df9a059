#include "cpe/task_service.h"

#include <Poco/UUIDGenerator.h>

#include "cpe/json_answer.h"

namespace cpe {

std::string newTaskId() {
  // createRandom() reads the operating system's random source: unguessable.
  return Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
}

TaskService::TaskService(TaskStore& store, TaskPublisher& publisher, IdGenerator newId)
    : store_(store), publisher_(publisher), newId_(newId ? std::move(newId) : newTaskId) {}

Result<Task> TaskService::create(const std::string& equipmentId,
                                 const ProvisioningRequest& request) {
  Task task;
  task.id = newId_();
  task.equipmentId = equipmentId;
  task.timeoutInSeconds = request.timeoutInSeconds();
  task.parametersJson = request.parametersJson();
  task.status = TaskStatus::kQueued;
  task.createdAt = nowMillis();
  task.updatedAt = task.createdAt;
  publisher_.reserve(task.id);
  if (Status stored = store_.insert(task); !stored.isOk()) {
    publisher_.abandon(task.id);
    return stored;
  }
  publisher_.enqueue(task);
  return task;
}

Result<Task> TaskService::find(const std::string& equipmentId, const std::string& taskId) {
  auto task = store_.get(taskId);
  if (!task.isOk()) return task;
  if (task.value().equipmentId != equipmentId) return Status::notFound("task of another device");
  return task;
}

Result<bool> TaskService::applyResult(const TaskResult& result) {
  if (!isTerminal(result.status)) {
    return Status::invalidArgument("a result must carry a terminal status");
  }
  return store_.complete(result);
}

StatusAnswer statusAnswerFor(const Task& task) {
  switch (task.status) {
    case TaskStatus::kQueued:
      return {204, messages::kStillRunning};
    case TaskStatus::kCompleted:
      return {200, messages::kCompleted};
    case TaskStatus::kEquipmentNotFound:
      return {404, messages::kEquipmentNotFound};
    case TaskStatus::kFailed:
      return {500, messages::kProvisioningFailed};
  }
  return {500, messages::kProvisioningFailed};
}

TaskStatus terminalStatusForCode(int code) {
  if (code == 200) return TaskStatus::kCompleted;
  if (code == 404) return TaskStatus::kEquipmentNotFound;
  return TaskStatus::kFailed;
}

}  // namespace cpe
