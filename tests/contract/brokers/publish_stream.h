#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cpe/sdk/broker.h"

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
    mutable std::mutex mutex;
    std::condition_variable changed;
    bool stopping = false;
    std::vector<int> answers;  // by publish, how many times answered
    std::size_t answered = 0;
    std::size_t confirmed = 0;
    std::vector<Status> failures;
  };

  void run(Broker& broker, QueueRole queue, std::size_t window);
  // The next publish's index once there is room in the window; false once stopped.
  bool awaitRoom(std::size_t window, std::size_t& index);
  void pauseAfterAFailure(std::size_t& failuresSeen);

  std::shared_ptr<State> state_;  // shared with callbacks that may outlive the stream
  std::thread thread_;
};

}  // namespace cpe::testing
