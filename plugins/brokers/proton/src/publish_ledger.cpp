#include "publish_ledger.h"

#include <iterator>
#include <string>
#include <utility>

#include "cpe/sdk/mutex.h"
#include "proton_log.h"

namespace cpe::brokers::proton_amqp {
namespace {

// The contract answers a publish that may not be stored kUnavailable,
// whatever the reason (a refusal that only configuration can fix, say).
Status asUnavailable(const Status& status) {
  if (status.code() == StatusCode::kUnavailable) return status;
  return Status::unavailable(status.message());
}

}  // namespace

void PublishLedger::answerAll(Entries& entries, const Status& status) noexcept {
  for (auto& [publishId, entry] : entries) {
    if (entry.done) pluginLog().callSafely(entry.done, status);
  }
}

Result<std::uint64_t> PublishLedger::admit(QueueRole queue, Broker::ConfirmCallback& done,
                                           Clock::time_point since) {
  MutexLock lock(mutex_);
  Gate& sender = gate(queue);
  if (!sender.attached.isOk()) return asUnavailable(sender.attached);
  if (sender.waiting >= maxWaiting_) {
    return Status::unavailable("proton: " + std::to_string(maxWaiting_) + " publishes to the " +
                               queueRoleName(queue) +
                               " queue already wait for their sender (maxWaitingPublishes): the "
                               "server takes them more slowly than they come");
  }
  const std::uint64_t publishId = nextId_++;
  // Allocated before `done` moves in: if this throws, the caller still has it to answer.
  Entry& entry = entries_[publishId];
  entry = Entry{std::move(done), since, queue};
  ++sender.waiting;
  return publishId;
}

void PublishLedger::attach(QueueRole queue) {
  MutexLock lock(mutex_);
  gate(queue).attached = Status::ok();
}

void PublishLedger::detach(QueueRole queue, const Status& why) noexcept {
  const Status answer = asUnavailable(why);
  Entries failed;
  {
    MutexLock lock(mutex_);
    gate(queue) = Gate{answer, 0};
    for (auto entry = entries_.begin(); entry != entries_.end();) {
      const auto next = std::next(entry);
      // Moved by node, so nothing here can fail and leave a publish unanswered.
      if (entry->second.queue == queue) failed.insert(entries_.extract(entry));
      entry = next;
    }
  }
  answerAll(failed, answer);
}

void PublishLedger::detachAll(const Status& why) noexcept {
  detach(QueueRole::kTasks, why);
  detach(QueueRole::kResults, why);
}

bool PublishLedger::markSent(std::uint64_t publishId) {
  MutexLock lock(mutex_);
  const auto found = entries_.find(publishId);
  if (found == entries_.end()) return false;
  found->second.sent = true;
  --gate(found->second.queue).waiting;
  return true;
}

void PublishLedger::answer(std::uint64_t publishId, const Status& status) noexcept {
  Broker::ConfirmCallback done;
  {
    MutexLock lock(mutex_);
    done = takeLocked(publishId);
  }
  if (done) pluginLog().callSafely(done, status);
}

std::optional<PublishLedger::Clock::time_point> PublishLedger::oldest() {
  MutexLock lock(mutex_);
  if (entries_.empty()) return std::nullopt;
  return entries_.begin()->second.since;
}

Broker::ConfirmCallback PublishLedger::takeLocked(std::uint64_t publishId) {
  const auto found = entries_.find(publishId);
  if (found == entries_.end()) return {};
  Broker::ConfirmCallback done = std::move(found->second.done);
  if (!found->second.sent) --gate(found->second.queue).waiting;
  entries_.erase(found);
  return done;
}

}  // namespace cpe::brokers::proton_amqp
