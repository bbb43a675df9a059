#include "command_queue.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

#include "broker_log.h"
#include "cpe/sdk/mutex.h"

namespace cpe::brokers::rabbitmq {

CommandQueue::CommandQueue() : wakeFd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (wakeFd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

CommandQueue::~CommandQueue() { ::close(wakeFd_); }

void CommandQueue::drainWake() const {
  std::uint64_t count = 0;
  // Non-blocking: EAGAIN just means another drain got there first.
  [[maybe_unused]] const ssize_t ignored = ::read(wakeFd_, &count, sizeof count);
}

void CommandQueue::wake() {
  const std::uint64_t one = 1;
  // Can fail only when the counter is near overflow, i.e. already signalled.
  [[maybe_unused]] const ssize_t ignored = ::write(wakeFd_, &one, sizeof one);
}

void CommandQueue::open() {
  MutexLock lock(mutex_);
  open_ = true;
  pending_ = Batch{};
}

bool CommandQueue::isEmpty() const {
  return pending_.publishes.empty() && pending_.settles.empty() && pending_.counts.empty();
}

Status CommandQueue::postPublish(PublishCommand& command) {
  bool wasEmpty = false;
  {
    MutexLock lock(mutex_);
    if (!open_) return Status::unavailable("rabbitmq: the broker plugin is not running");
    if (pending_.publishes.size() >= kMaxQueuedPublishes) {
      return Status::unavailable("rabbitmq: too many publishes queued for the I/O thread");
    }
    wasEmpty = isEmpty();
    pending_.publishes.push_back(std::move(command));
  }
  if (wasEmpty) wake();
  return Status::ok();
}

Status CommandQueue::postCount(CountCommand& command) {
  bool wasEmpty = false;
  {
    MutexLock lock(mutex_);
    if (!open_) return Status::unavailable("rabbitmq: the broker plugin is not running");
    if (pending_.counts.size() >= kMaxQueuedCounts) {
      return Status::unavailable("rabbitmq: too many counts queued for the I/O thread");
    }
    wasEmpty = isEmpty();
    pending_.counts.push_back(std::move(command));
  }
  if (wasEmpty) wake();
  return Status::ok();
}

void CommandQueue::postSettle(const SettleCommand& command) {
  bool wasEmpty = false;
  {
    MutexLock lock(mutex_);
    if (!open_) return;
    wasEmpty = isEmpty();
    pending_.settles.push_back(command);
  }
  if (wasEmpty) wake();
}

void CommandQueue::requestStop() {
  {
    MutexLock lock(mutex_);
    pending_.stopRequested = true;
  }
  wake();
}

void CommandQueue::requestReconnect(const std::string& reason) {
  {
    MutexLock lock(mutex_);
    if (!open_) return;
    pending_.reconnectReason = reason;
  }
  wake();
}

CommandQueue::Batch CommandQueue::take() {
  Batch batch;
  MutexLock lock(mutex_);
  batch.stopRequested = pending_.stopRequested;
  batch.reconnectReason.swap(pending_.reconnectReason);
  batch.publishes.swap(pending_.publishes);
  batch.settles.swap(pending_.settles);
  batch.counts.swap(pending_.counts);
  return batch;
}

CommandQueue::Batch CommandQueue::close() {
  MutexLock lock(mutex_);
  open_ = false;
  return std::exchange(pending_, Batch{});
}

void refuseAll(CommandQueue::Batch& batch, const Status& refusal) {
  for (PublishCommand& publish : batch.publishes) pluginLog().callSafely(publish.done, refusal);
  for (CountCommand& count : batch.counts) pluginLog().callSafely(count.done, refusal);
}

}  // namespace cpe::brokers::rabbitmq
