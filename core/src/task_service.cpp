#include "cpe/task_service.h"

#include <Poco/UUID.h>
#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

#include "cpe/json_answer.h"

namespace cpe {

std::string newTaskId() {
  // OpenSSL's generator, seeded from the operating system's random source:
  // unguessable, and drawn in user space. Poco's createRandom() opened
  // /dev/urandom, read 252 bytes and closed it again for every task.
  unsigned char bytes[16];
  if (RAND_bytes(bytes, static_cast<int>(sizeof bytes)) != 1) {
    throw std::runtime_error("the random generator gave no bytes for a task id");
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  Poco::UUID id;
  id.copyFrom(reinterpret_cast<const char*>(bytes));
  return id.toString();
}

bool isTaskIdForm(std::string_view text) noexcept {
  constexpr std::size_t kLength = 36;
  if (text.size() != kLength) return false;
  for (std::size_t i = 0; i < kLength; ++i) {
    const char c = text[i];
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool isValidIdempotencyKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxIdempotencyKeyLength) return false;
  return std::all_of(key.begin(), key.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

TaskService::TaskService(TaskStore& store, TaskPublisher& publisher, IdGenerator newId,
                         TaskServiceOptions options)
    : store_(store),
      publisher_(publisher),
      newId_(newId ? std::move(newId) : newTaskId),
      options_(options) {}

Task TaskService::newTask(const std::string& equipmentId, const ProvisioningRequest& request) {
  Task task;
  task.id = newId_();
  task.equipmentId = equipmentId;
  task.timeoutInSeconds = request.timeoutInSeconds();
  task.parametersJson = options_.sealer != nullptr
                            ? options_.sealer->seal(request.parametersJson(), task.id, equipmentId)
                            : request.parametersJson();
  task.status = TaskStatus::kQueued;
  task.createdAt = nowMillis();
  task.updatedAt = task.createdAt;
  return task;
}

Result<Task> TaskService::create(const std::string& equipmentId,
                                 const ProvisioningRequest& request) {
  Task task = newTask(equipmentId, request);
  publisher_.reserve(task.id);
  if (Status stored = store_.insert(task); !stored.isOk()) {
    publisher_.abandon(task.id);
    return stored;
  }
  publisher_.enqueue(task);
  return task;
}

Result<CreatedTask> TaskService::createWithKey(const std::string& equipmentId,
                                               const ProvisioningRequest& request,
                                               const std::string& idempotencyKey) {
  if (!isValidIdempotencyKey(idempotencyKey)) {
    return Status::invalidArgument("invalid idempotency key");
  }
  Task task = newTask(equipmentId, request);
  publisher_.reserve(task.id);
  auto stored = store_.insertWithKey(task, idempotencyKey,
                                     task.createdAt - options_.idempotencyWindow.count());
  if (!stored.isOk()) {
    publisher_.abandon(task.id);
    return stored.status();
  }
  if (stored.value().id != task.id) {
    publisher_.abandon(task.id);
    return CreatedTask{std::move(stored).value(), true};
  }
  publisher_.enqueue(task);
  return CreatedTask{std::move(task), false};
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

Result<HistoryPage> TaskService::history(const std::string& equipmentId,
                                         const HistoryQuery& query) {
  HistoryPage page;
  if (query.limit == 0) return page;
  // One task more than the page: whether the store has it says whether a
  // next page exists, so the last page carries no `next`.
  auto listed = store_.listDeviceTasks(equipmentId, query.limit + 1, query.after);
  if (!listed.isOk()) return listed.status();
  page.tasks = std::move(listed).value();
  if (page.tasks.size() > query.limit) {
    page.tasks.resize(query.limit);
    page.next = TaskPosition{page.tasks.back().createdAt, page.tasks.back().id};
  }
  return page;
}

StatusAnswer statusAnswerFor(const Task& task) { return statusAnswerFor(task.status); }

StatusAnswer statusAnswerFor(TaskStatus status) {
  switch (status) {
    case TaskStatus::kQueued:
      return {204, answers::kStillRunning};
    case TaskStatus::kCompleted:
      return {200, answers::kCompleted};
    case TaskStatus::kEquipmentNotFound:
      return {404, answers::kEquipmentNotFound};
    case TaskStatus::kFailed:
      return {500, answers::kProvisioningFailed};
  }
  return {500, answers::kProvisioningFailed};
}

TaskStatus terminalStatusForCode(int code) {
  if (code == 200) return TaskStatus::kCompleted;
  if (code == 404) return TaskStatus::kEquipmentNotFound;
  return TaskStatus::kFailed;
}

}  // namespace cpe
