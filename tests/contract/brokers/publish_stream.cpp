#include "publish_stream.h"

#include "cpe/sdk/mutex.h"

namespace cpe::testing {
namespace {

// How long the stream waits after a failure before it publishes again: a
// sender that is down refuses at once, and must not be flooded meanwhile.
constexpr std::chrono::milliseconds kRetryPause{20};

}  // namespace

PublishStream::PublishStream(Broker& broker, QueueRole queue, std::size_t window)
    : state_(std::make_shared<State>()) {
  thread_ = std::thread([this, &broker, queue, window] { run(broker, queue, window); });
}

PublishStream::~PublishStream() { stop(); }

void PublishStream::stop() {
  {
    MutexLock lock(state_->mutex);
    state_->stopping = true;
  }
  state_->changed.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PublishStream::run(Broker& broker, QueueRole queue, std::size_t window) {
  const std::string prefix = std::string(queueRoleName(queue)) + "-stream-";
  std::size_t failuresSeen = 0;
  std::size_t index = 0;
  while (awaitRoom(window, index)) {
    const std::string id = prefix + std::to_string(index);
    broker.publish(queue, id, R"({"id":")" + id + R"("})",
                   [state = state_, index](const Status& status) {
                     {
                       MutexLock lock(state->mutex);
                       ++state->answers[index];
                       ++state->answered;
                       if (status.isOk()) {
                         ++state->confirmed;
                       } else {
                         state->failures.push_back(status);
                       }
                     }
                     state->changed.notify_all();
                   });
    pauseAfterAFailure(failuresSeen);
  }
}

bool PublishStream::awaitRoom(std::size_t window, std::size_t& index) {
  MutexLock lock(state_->mutex);
  state_->changed.wait(lock.native(), [&]() CPE_REQUIRES(state_->mutex) {
    return state_->stopping || state_->answers.size() - state_->answered < window;
  });
  if (state_->stopping) return false;
  index = state_->answers.size();
  state_->answers.push_back(0);
  return true;
}

void PublishStream::pauseAfterAFailure(std::size_t& failuresSeen) {
  MutexLock lock(state_->mutex);
  if (state_->failures.size() == failuresSeen) return;
  failuresSeen = state_->failures.size();
  state_->changed.wait_for(lock.native(), kRetryPause,
                           [&]() CPE_REQUIRES(state_->mutex) { return state_->stopping; });
}

bool PublishStream::waitForConfirmed(std::size_t count, std::chrono::milliseconds timeout) const {
  MutexLock lock(state_->mutex);
  return state_->changed.wait_for(lock.native(), timeout, [&]() CPE_REQUIRES(state_->mutex) {
    return state_->confirmed >= count;
  });
}

bool PublishStream::waitForFailed(std::size_t count, std::chrono::milliseconds timeout) const {
  MutexLock lock(state_->mutex);
  return state_->changed.wait_for(lock.native(), timeout, [&]() CPE_REQUIRES(state_->mutex) {
    return state_->failures.size() >= count;
  });
}

bool PublishStream::waitForAllAnswered(std::chrono::milliseconds timeout) const {
  MutexLock lock(state_->mutex);
  return state_->changed.wait_for(lock.native(), timeout, [&]() CPE_REQUIRES(state_->mutex) {
    return state_->answered >= state_->answers.size();
  });
}

std::size_t PublishStream::published() const {
  MutexLock lock(state_->mutex);
  return state_->answers.size();
}

std::size_t PublishStream::confirmed() const {
  MutexLock lock(state_->mutex);
  return state_->confirmed;
}

std::vector<Status> PublishStream::failures() const {
  MutexLock lock(state_->mutex);
  return state_->failures;
}

::testing::AssertionResult PublishStream::eachAnsweredOnce() const {
  MutexLock lock(state_->mutex);
  for (std::size_t index = 0; index < state_->answers.size(); ++index) {
    if (state_->answers[index] != 1) {
      return ::testing::AssertionFailure()
             << "publish " << index << " of " << state_->answers.size() << " was answered "
             << state_->answers[index] << " times";
    }
  }
  for (const Status& failure : state_->failures) {
    if (failure.code() != StatusCode::kUnavailable) {
      return ::testing::AssertionFailure() << "a publish failed with " << failure.toString();
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace cpe::testing
