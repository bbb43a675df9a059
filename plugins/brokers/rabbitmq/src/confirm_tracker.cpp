#include "confirm_tracker.h"

#include <utility>

#include "broker_log.h"

namespace cpe::brokers::rabbitmq {

void ConfirmTracker::reset() {
  entries_.clear();
  firstSeq_ = 1;
  inFlight_ = 0;
  unackedSince_.reset();
}

std::uint64_t ConfirmTracker::add(QueueRole queue, std::string messageId,
                                  Broker::ConfirmCallback done) {
  entries_.push_back(Entry{queue, std::move(messageId), std::move(done), {}});
  if (!unackedSince_) unackedSince_ = std::chrono::steady_clock::now();
  ++inFlight_;
  return firstSeq_ + entries_.size() - 1;
}

void ConfirmTracker::answer(Entry& entry, const Status& status) {
  if (!entry.done) return;
  Broker::ConfirmCallback done = std::move(entry.done);
  entry.done = nullptr;
  entry.messageId.clear();
  --inFlight_;
  pluginLog().callSafely(done, status);
}

void ConfirmTracker::dropAnsweredFront() {
  while (!entries_.empty() && !entries_.front().done) {
    entries_.pop_front();
    ++firstSeq_;
  }
}

void ConfirmTracker::confirm(std::uint64_t tag, bool multiple, bool ok) {
  if (tag < firstSeq_) return;  // already answered (or a duplicate)
  const std::uint64_t last = tag - firstSeq_;
  if (last >= entries_.size()) {
    pluginLog().warning("confirm for unknown publish sequence " + std::to_string(tag));
    return;
  }
  const std::uint64_t first = multiple ? 0 : last;
  for (std::uint64_t i = first; i <= last; ++i) {
    Entry& entry = entries_[i];
    if (!ok) {
      answer(entry, Status::unavailable("rabbitmq: the broker refused the message (nack)"));
    } else if (!entry.returnedReason.empty()) {
      answer(entry,
             Status::unavailable("rabbitmq: message returned unroutable: " + entry.returnedReason));
    } else {
      answer(entry, Status::ok());
    }
  }
  dropAnsweredFront();
  if (ok) {
    // The broker takes publishes: those still unanswered wait from now.
    unackedSince_.reset();
    if (inFlight_ > 0) unackedSince_ = std::chrono::steady_clock::now();
  }
}

bool ConfirmTracker::markReturned(QueueRole queue, const std::string& messageId,
                                  const std::string& reason) {
  // Two unconfirmed publishes with the same id to the same queue share the
  // fate of that queue, so marking the oldest one is exact enough.
  for (Entry& entry : entries_) {
    if (entry.done && entry.returnedReason.empty() && entry.queue == queue &&
        entry.messageId == messageId) {
      entry.returnedReason = reason.empty() ? "no route" : reason;
      return true;
    }
  }
  return false;
}

void ConfirmTracker::failAll(const Status& status) {
  std::deque<Entry> entries;
  entries.swap(entries_);
  reset();
  for (Entry& entry : entries) {
    if (!entry.done) continue;
    Broker::ConfirmCallback done = std::move(entry.done);
    pluginLog().callSafely(done, status);
  }
}

}  // namespace cpe::brokers::rabbitmq
