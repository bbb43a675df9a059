#include "faulty_store.h"

#include <utility>

#include "cpe/sdk/mutex.h"
#include "memory_store.h"

namespace cpe::test {
namespace {

std::size_t indexOf(StoreMethod method) { return static_cast<std::size_t>(method); }

}  // namespace

FaultyStore::FaultyStore() : FaultyStore(stores::memory::newMemoryStore()) {}

FaultyStore::FaultyStore(std::unique_ptr<TaskStore> inner) : inner_(std::move(inner)) {}

void FaultyStore::failAlways(StoreMethod method, Status failure) {
  MutexLock lock(mutex_);
  Fault& fault = faults_[indexOf(method)];
  fault.always = true;
  fault.failure = std::move(failure);
}

void FaultyStore::failNext(StoreMethod method, int count, Status failure) {
  MutexLock lock(mutex_);
  Fault& fault = faults_[indexOf(method)];
  fault.next = count;
  fault.failure = std::move(failure);
}

void FaultyStore::failEverything(const Status& failure) {
  MutexLock lock(mutex_);
  for (Fault& fault : faults_) {
    fault.always = true;
    fault.failure = failure;
  }
}

void FaultyStore::heal() {
  MutexLock lock(mutex_);
  faults_.fill(Fault{});
}

void FaultyStore::setHook(Hook hook) {
  MutexLock lock(mutex_);
  hook_ = std::move(hook);
}

int FaultyStore::calls(StoreMethod method) const {
  MutexLock lock(mutex_);
  return calls_[indexOf(method)];
}

EpochMillis FaultyStore::lastKeySince() const {
  MutexLock lock(mutex_);
  return lastKeySince_;
}

Status FaultyStore::enter(StoreMethod method) {
  Hook hook;
  {
    MutexLock lock(mutex_);
    hook = hook_;
  }
  if (hook) hook(method);
  MutexLock lock(mutex_);
  ++calls_[indexOf(method)];
  Fault& fault = faults_[indexOf(method)];
  if (fault.next > 0) {
    --fault.next;
    return fault.failure;
  }
  return fault.always ? fault.failure : Status::ok();
}

Status FaultyStore::insert(const Task& task) noexcept {
  if (Status fault = enter(StoreMethod::kInsert); !fault.isOk()) return fault;
  return inner_->insert(task);
}

Result<Task> FaultyStore::insertWithKey(const Task& task, const std::string& key,
                                        EpochMillis since) noexcept {
  {
    MutexLock lock(mutex_);
    lastKeySince_ = since;
  }
  if (Status fault = enter(StoreMethod::kInsertWithKey); !fault.isOk()) return fault;
  return inner_->insertWithKey(task, key, since);
}

Result<Task> FaultyStore::get(const std::string& taskId) noexcept {
  if (Status fault = enter(StoreMethod::kGet); !fault.isOk()) return fault;
  return inner_->get(taskId);
}

Result<bool> FaultyStore::complete(const TaskResult& result) noexcept {
  if (Status fault = enter(StoreMethod::kComplete); !fault.isOk()) return fault;
  return inner_->complete(result);
}

Result<std::vector<Task>> FaultyStore::unpublished(std::size_t limit,
                                                   EpochMillis createdBefore) noexcept {
  if (Status fault = enter(StoreMethod::kUnpublished); !fault.isOk()) return fault;
  return inner_->unpublished(limit, createdBefore);
}

Status FaultyStore::markPublished(const std::vector<std::string>& taskIds) noexcept {
  if (Status fault = enter(StoreMethod::kMarkPublished); !fault.isOk()) return fault;
  return inner_->markPublished(taskIds);
}

Result<std::vector<PublishedTask>> FaultyStore::publishedBefore(EpochMillis publishedBefore,
                                                                std::size_t limit) noexcept {
  if (Status fault = enter(StoreMethod::kPublishedBefore); !fault.isOk()) return fault;
  return inner_->publishedBefore(publishedBefore, limit);
}

Status FaultyStore::markUnpublished(const std::vector<std::string>& taskIds) noexcept {
  if (Status fault = enter(StoreMethod::kMarkUnpublished); !fault.isOk()) return fault;
  return inner_->markUnpublished(taskIds);
}

Result<QueuedTasks> FaultyStore::queuedBefore(EpochMillis createdBefore,
                                              std::size_t sampleLimit) noexcept {
  if (Status fault = enter(StoreMethod::kQueuedBefore); !fault.isOk()) return fault;
  return inner_->queuedBefore(createdBefore, sampleLimit);
}

Result<std::vector<TaskSummary>> FaultyStore::listDeviceTasks(
    const std::string& equipmentId, std::size_t limit,
    const std::optional<TaskPosition>& after) noexcept {
  if (Status fault = enter(StoreMethod::kListDeviceTasks); !fault.isOk()) return fault;
  return inner_->listDeviceTasks(equipmentId, limit, after);
}

Status FaultyStore::ping() noexcept {
  if (Status fault = enter(StoreMethod::kPing); !fault.isOk()) return fault;
  return inner_->ping();
}

Result<std::vector<Task>> FaultyStore::queuedInTheClear(std::size_t limit,
                                                        const std::string& afterId) noexcept {
  if (Status fault = enter(StoreMethod::kQueuedInTheClear); !fault.isOk()) return fault;
  return inner_->queuedInTheClear(limit, afterId);
}

Result<bool> FaultyStore::replaceParameters(const std::string& taskId, const std::string& expected,
                                            const std::string& replacement) noexcept {
  if (Status fault = enter(StoreMethod::kReplaceParameters); !fault.isOk()) return fault;
  return inner_->replaceParameters(taskId, expected, replacement);
}

Result<DeletedRows> FaultyStore::deleteFinishedBefore(EpochMillis finishedBefore,
                                                      std::size_t limit) noexcept {
  if (Status fault = enter(StoreMethod::kDeleteFinishedBefore); !fault.isOk()) return fault;
  return inner_->deleteFinishedBefore(finishedBefore, limit);
}

}  // namespace cpe::test
