#include "fake_broker.h"

#include <utility>

#include "cpe/sdk/mutex.h"

namespace cpe::test {

FakeBroker::~FakeBroker() { stop(); }

Status FakeBroker::consume(QueueRole queue, int prefetch, DeliveryHandler handler) noexcept {
  MutexLock lock(mutex_);
  if (running_) return Status::invalidArgument("fake broker: consume() after start()");
  Status refused = plugin::checkNewConsumer("fake broker", consumers_, queue, prefetch, handler);
  if (!refused.isOk()) return refused;
  consumers_.push_back(plugin::ConsumerSpec{queue, prefetch, std::move(handler)});
  return Status::ok();
}

Status FakeBroker::start() noexcept {
  MutexLock lock(mutex_);
  if (running_) return Status::invalidArgument("fake broker: started twice");
  running_ = true;
  thread_ = std::thread([this] { run(); });
  return Status::ok();
}

void FakeBroker::stop() noexcept {
  {
    MutexLock lock(mutex_);
    if (!running_ || stopping_) return;
    stopping_ = true;
  }
  work_.notify_all();
  thread_.join();
  MutexLock lock(mutex_);
  running_ = false;
  stopping_ = false;
  requeueUnsettledLocked();
}

void FakeBroker::requeueUnsettledLocked() {
  // As when a connection closes: what was unsettled goes back to the head of
  // its queue, in delivery order, and its tags are void.
  for (Queue& queue : queues_) {
    for (auto it = queue.unsettled.rbegin(); it != queue.unsettled.rend(); ++it) {
      it->second.redelivered = true;
      queue.ready.push_front(std::move(it->second));
    }
    queue.unsettled.clear();
  }
}

void FakeBroker::loseConnection() {
  {
    MutexLock lock(mutex_);
    requeueUnsettledLocked();
  }
  work_.notify_all();
}

bool FakeBroker::isHeld(QueueRole queue, std::uint64_t tag) noexcept {
  MutexLock lock(mutex_);
  return running_ && queues_[indexOf(queue)].unsettled.count(tag) != 0;
}

void FakeBroker::publish(QueueRole queue, std::string messageId, std::string body,
                         ConfirmCallback done) noexcept {
  MutexLock lock(mutex_);
  Queue& target = queues_[indexOf(queue)];
  target.published.push_back(Published{std::move(messageId), std::move(body), std::nullopt});
  const std::size_t index = target.published.size() - 1;
  if (!running_ || stopping_) {
    // No dispatcher thread: the port says the caller's thread hears it.
    const Status refused = Status::unavailable("fake broker: not running");
    target.published[index].confirm = refused;
    lock.unlock();
    if (done) done(refused);
    return;
  }
  DueConfirm due{queue, index, Status::ok(), true, std::move(done)};
  if (!healthy_ || blocked_) {
    due.status = Status::unavailable(healthy_ ? "fake broker: blocked" : "fake broker: down");
    due.holdable = false;
  } else if (failNext_ > 0) {
    --failNext_;
    due.status = Status::unavailable("fake broker: confirm failed (injected)");
  }
  confirms_.push_back(std::move(due));
  lock.unlock();
  work_.notify_all();
}

void FakeBroker::settle(QueueRole queue, std::uint64_t tag, Settlement how) noexcept {
  {
    MutexLock lock(mutex_);
    Queue& source = queues_[indexOf(queue)];
    auto found = source.unsettled.find(tag);
    if (found == source.unsettled.end()) {
      ++ignoredSettles_;
      return;
    }
    Message message = std::move(found->second);
    source.unsettled.erase(found);
    source.settlements[message.messageId].push_back(how);
    if (how == Settlement::kRequeue) {
      message.redelivered = true;
      source.ready.push_front(std::move(message));
    } else if (how == Settlement::kDeadLetter) {
      source.dead.push_back(DeadLetter{std::move(message.messageId), std::move(message.body)});
    }
  }
  work_.notify_all();  // a prefetch slot is free
}

Status FakeBroker::health() noexcept {
  MutexLock lock(mutex_);
  if (running_ && !stopping_ && healthy_) return Status::ok();
  return Status::unavailable("fake broker: not connected");
}

bool FakeBroker::blocked() noexcept {
  MutexLock lock(mutex_);
  ++blockedQueries_;
  return blocked_;
}

void FakeBroker::countReady(QueueRole queue, CountCallback done) noexcept {
  Result<std::uint64_t> answer = Status::unavailable("fake broker: not running");
  {
    MutexLock lock(mutex_);
    if (!countable_) {
      answer = Status::unimplemented("fake broker: cannot count");
    } else if (running_ && !stopping_ && healthy_) {
      answer = static_cast<std::uint64_t>(queues_[indexOf(queue)].ready.size());
    }
  }
  done(answer);
}

void FakeBroker::purge(QueueRole queue) {
  MutexLock lock(mutex_);
  queues_[indexOf(queue)].ready.clear();
}

void FakeBroker::setCountable(bool countable) {
  MutexLock lock(mutex_);
  countable_ = countable;
}

int FakeBroker::blockedQueries() const {
  MutexLock lock(mutex_);
  return blockedQueries_;
}

void FakeBroker::run() {
  MutexLock lock(mutex_);
  while (!stopping_) {
    std::function<void()> callback = nextCallbackLocked();
    if (!callback) {
      work_.wait(lock.native());
      continue;
    }
    // Never under the lock: callbacks settle and publish.
    lock.unlock();
    callback();
    lock.lock();
  }
  std::deque<DueConfirm> left;
  left.swap(confirms_);
  for (DueConfirm& due : left) {
    due.status = Status::unavailable("fake broker: stopped before the confirm");
    std::function<void()> callback = confirmLocked(std::move(due));
    lock.unlock();
    callback();
    lock.lock();
  }
}

std::function<void()> FakeBroker::nextCallbackLocked() {
  for (auto it = confirms_.begin(); it != confirms_.end(); ++it) {
    if (holding_ && it->holdable) continue;
    DueConfirm due = std::move(*it);
    confirms_.erase(it);
    return confirmLocked(std::move(due));
  }
  return deliveryLocked();
}

std::function<void()> FakeBroker::confirmLocked(DueConfirm due) {
  Queue& queue = queues_[indexOf(due.queue)];
  Published& record = queue.published[due.publishIndex];
  record.confirm = due.status;
  // Confirmed means stored: from now on a consumer can have it.
  if (due.status.isOk()) queue.ready.push_back(Message{record.messageId, record.body, false});
  return [done = std::move(due.done), status = std::move(due.status)] {
    if (done) done(status);
  };
}

std::function<void()> FakeBroker::deliveryLocked() {
  for (const plugin::ConsumerSpec& consumer : consumers_) {
    Queue& queue = queues_[indexOf(consumer.queue)];
    if (queue.ready.empty()) continue;
    if (queue.unsettled.size() >= static_cast<std::size_t>(consumer.prefetch)) continue;
    Message message = std::move(queue.ready.front());
    queue.ready.pop_front();
    Delivery delivery;
    delivery.queue = consumer.queue;
    delivery.tag = nextTag_++;
    delivery.messageId = message.messageId;
    delivery.body = message.body;
    delivery.redelivered = message.redelivered;
    delivery.receivedAt = std::chrono::steady_clock::now();
    ++queue.deliveries[message.messageId];
    queue.unsettled.emplace(delivery.tag, std::move(message));
    return [handler = consumer.handler, delivery = std::move(delivery)]() mutable {
      handler(std::move(delivery));
    };
  }
  return {};
}

void FakeBroker::failNextConfirms(int count) {
  MutexLock lock(mutex_);
  failNext_ += count;
}

void FakeBroker::holdConfirms() {
  MutexLock lock(mutex_);
  holding_ = true;
}

void FakeBroker::releaseConfirms() {
  {
    MutexLock lock(mutex_);
    holding_ = false;
  }
  work_.notify_all();
}

void FakeBroker::setHealthy(bool healthy) {
  MutexLock lock(mutex_);
  healthy_ = healthy;
}

void FakeBroker::setBlocked(bool blocked) {
  MutexLock lock(mutex_);
  blocked_ = blocked;
}

void FakeBroker::inject(QueueRole queue, std::string messageId, std::string body,
                        bool redelivered) {
  {
    MutexLock lock(mutex_);
    queues_[indexOf(queue)].ready.push_back(
        Message{std::move(messageId), std::move(body), redelivered});
  }
  work_.notify_all();
}

std::vector<FakeBroker::Published> FakeBroker::published(QueueRole queue) const {
  MutexLock lock(mutex_);
  return queues_[indexOf(queue)].published;
}

int FakeBroker::publishCount(QueueRole queue, const std::string& messageId) const {
  MutexLock lock(mutex_);
  int count = 0;
  for (const Published& record : queues_[indexOf(queue)].published) {
    if (record.messageId == messageId) ++count;
  }
  return count;
}

std::vector<Settlement> FakeBroker::settlements(QueueRole queue,
                                                const std::string& messageId) const {
  MutexLock lock(mutex_);
  const auto& all = queues_[indexOf(queue)].settlements;
  const auto found = all.find(messageId);
  return found == all.end() ? std::vector<Settlement>{} : found->second;
}

std::vector<FakeBroker::DeadLetter> FakeBroker::deadLetters(QueueRole queue) const {
  MutexLock lock(mutex_);
  return queues_[indexOf(queue)].dead;
}

std::size_t FakeBroker::heldConfirms() const {
  MutexLock lock(mutex_);
  if (!holding_) return 0;
  std::size_t held = 0;
  for (const DueConfirm& due : confirms_) held += due.holdable ? 1 : 0;
  return held;
}

std::size_t FakeBroker::unsettledCount(QueueRole queue) const {
  MutexLock lock(mutex_);
  return queues_[indexOf(queue)].unsettled.size();
}

std::size_t FakeBroker::readyCount(QueueRole queue) const {
  MutexLock lock(mutex_);
  return queues_[indexOf(queue)].ready.size();
}

int FakeBroker::deliveryCount(QueueRole queue, const std::string& messageId) const {
  MutexLock lock(mutex_);
  const auto& all = queues_[indexOf(queue)].deliveries;
  const auto found = all.find(messageId);
  return found == all.end() ? 0 : found->second;
}

int FakeBroker::ignoredSettles() const {
  MutexLock lock(mutex_);
  return ignoredSettles_;
}

}  // namespace cpe::test
