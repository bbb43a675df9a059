#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cpe/sdk/broker.h"
#include "cpe/sdk/mutex.h"

namespace cpe::testing {

// Publishes to one queue from a thread of its own until stopped, keeping up
// to `window` publishes unanswered and, after a failure, pausing a moment as
// a host that retries does. Counts each publish's answers, so a test can
// tell that every one was answered exactly once.
class PublishStream {
 public:
  PublishStream(Broker& broker, QueueRole queue, std::size_t window = 32);
  ~PublishStream();
  PublishStream(const PublishStream&) = delete;
  PublishStream& operator=(const PublishStream&) = delete;

  // Publishes no more; answers to those made may still come.
  void stop();

  bool waitForConfirmed(std::size_t count, std::chrono::milliseconds timeout) const;
  bool waitForFailed(std::size_t count, std::chrono::milliseconds timeout) const;
  // Once stopped: whether every publish made has been answered.
  bool waitForAllAnswered(std::chrono::milliseconds timeout) const;

  std::size_t published() const;
  std::size_t confirmed() const;
  std::vector<Status> failures() const;
  // Every publish answered once, OK or kUnavailable (the Broker contract).
  ::testing::AssertionResult eachAnsweredOnce() const;

 private:
  struct State {
    mutable Mutex mutex;
    std::condition_variable changed;
    bool stopping CPE_GUARDED_BY(mutex) = false;
    std::vector<int> answers CPE_GUARDED_BY(mutex);  // by publish, how many times answered
    std::size_t answered CPE_GUARDED_BY(mutex) = 0;
    std::size_t confirmed CPE_GUARDED_BY(mutex) = 0;
    std::vector<Status> failures CPE_GUARDED_BY(mutex);
  };

  void run(Broker& broker, QueueRole queue, std::size_t window);
  // The next publish's index once there is room in the window; false once stopped.
  bool awaitRoom(std::size_t window, std::size_t& index);
  void pauseAfterAFailure(std::size_t& failuresSeen);

  std::shared_ptr<State> state_;  // shared with callbacks that may outlive the stream
  std::thread thread_;
};

}  // namespace cpe::testing
