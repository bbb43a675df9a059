#include "ready_counter.h"

#include <iterator>
#include <utility>

#include "broker_log.h"

namespace cpe::brokers::rabbitmq {

void ReadyCounter::add(CountCommand count) {
  if (waiting_.size() + sent_.size() >= kMaxPending) {
    pluginLog().callSafely(count.done,
                           Status::unavailable("rabbitmq: too many counts waiting for the broker"));
    return;
  }
  waiting_.push_back(std::move(count));
}

const CountCommand* ReadyCounter::nextToSend() const {
  if (channel_ != Channel::kOpen || waiting_.empty()) return nullptr;
  return &waiting_.front();
}

void ReadyCounter::markSent() {
  sent_.push_back(std::move(waiting_.front()));
  waiting_.pop_front();
}

void ReadyCounter::answer(std::uint64_t ready) {
  if (sent_.empty()) {
    pluginLog().warning("a queue count came with no count asked");
    return;
  }
  CountCommand count = std::move(sent_.front());
  sent_.pop_front();
  pluginLog().callSafely(count.done, ready);
}

std::optional<QueueRole> ReadyCounter::channelClosed(const Status& why) {
  channel_ = Channel::kClosed;
  // Answering one count per close makes progress even if the broker keeps
  // refusing the channel itself.
  std::deque<CountCommand>& failed = sent_.empty() ? waiting_ : sent_;
  if (failed.empty()) return std::nullopt;
  CountCommand count = std::move(failed.front());
  failed.pop_front();
  // The broker dropped the later ones unanswered: they go first next time.
  waiting_.insert(waiting_.begin(), std::make_move_iterator(sent_.begin()),
                  std::make_move_iterator(sent_.end()));
  sent_.clear();
  pluginLog().callSafely(count.done, why);
  return count.queue;
}

void ReadyCounter::failWaiting(const Status& status) { refuse(waiting_, status); }

void ReadyCounter::failAll(const Status& status) {
  channel_ = Channel::kClosed;
  refuse(sent_, status);
  refuse(waiting_, status);
}

void ReadyCounter::refuse(std::deque<CountCommand>& counts, const Status& status) {
  std::deque<CountCommand> refused;
  refused.swap(counts);
  for (CountCommand& count : refused) pluginLog().callSafely(count.done, status);
}

}  // namespace cpe::brokers::rabbitmq
