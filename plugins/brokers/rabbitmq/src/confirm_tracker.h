#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "cpe/sdk/broker.h"

namespace cpe::brokers::rabbitmq {

// Publisher confirms of one channel: which callback each sequence number
// (the delivery tag the broker acks) belongs to.
//
// In confirm mode the broker numbers a channel's publishes 1, 2, 3, … and
// acks or nacks each exactly once, possibly several at a time (`multiple`)
// and not always in order. Entries live in a deque indexed by sequence, so
// every operation is O(1) but a return's lookup.
//
// Thread rule: the I/O thread only. Callbacks run inside these calls.
class ConfirmTracker final {
 public:
  // A fresh channel: numbering restarts at 1. Call only when empty.
  void reset();

  // Records the next publish and returns its sequence number.
  std::uint64_t add(QueueRole queue, std::string messageId, Broker::ConfirmCallback done);

  // Publishes sent and not yet acked or nacked.
  std::size_t inFlight() const { return inFlight_; }
  // Since when publishes have gone unacked: the first sent after the
  // broker's last ack, or that ack if some were still unanswered then.
  // Empty while nothing waits for an ack.
  std::optional<std::chrono::steady_clock::time_point> unackedSince() const {
    return unackedSince_;
  }

  // basic.ack (ok) or basic.nack (not ok) for `tag`, or for every tag up to
  // it when `multiple`.
  void confirm(std::uint64_t tag, bool multiple, bool ok);

  // basic.return: the broker could not route a mandatory publish. It arrives
  // before the ack of that publish, which then reports kUnavailable. Returns
  // false when no unconfirmed publish matches.
  bool markReturned(QueueRole queue, const std::string& messageId, const std::string& reason);

  // The connection is gone: every unconfirmed publish gets `status`.
  void failAll(const Status& status);

 private:
  struct Entry {
    QueueRole queue = QueueRole::kTasks;
    std::string messageId;
    Broker::ConfirmCallback done;  // empty once answered
    std::string returnedReason;    // set by basic.return
  };

  void answer(Entry& entry, const Status& status);
  void dropAnsweredFront();

  std::deque<Entry> entries_;  // entries_[i] is sequence firstSeq_ + i
  std::uint64_t firstSeq_ = 1;
  std::size_t inFlight_ = 0;
  std::optional<std::chrono::steady_clock::time_point> unackedSince_;
};

}  // namespace cpe::brokers::rabbitmq
