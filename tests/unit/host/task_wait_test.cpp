// awaitTaskStatus over a TaskService on the (counting) memory store: it ends
// as soon as the task is terminal, announced here or seen at a poll, ends at
// once on stop, and reads the store no more than once per poll interval.
#include "api/task_wait.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include "faulty_store.h"
#include "recording_publisher.h"
#include "wait_for.h"

namespace cpe::host::api {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using cpe::test::FaultyStore;
using cpe::test::RecordingPublisher;
using cpe::test::StoreMethod;
using cpe::test::waitFor;

constexpr const char* kDevice = "ABC123";
constexpr const char* kTask = "3f2b8c1e-8d6a-4c1e-9a57-2b8e1f0c9d44";
// Waits and polls far beyond any test's deadline: a wait that ends early was
// ended by the event under test, not by time.
constexpr std::chrono::seconds kLongWait{3600};
constexpr std::chrono::milliseconds kNoPoll{3600 * 1000};

class TaskWaitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Task task;
    task.id = kTask;
    task.equipmentId = kDevice;
    task.timeoutInSeconds = 14;
    task.parametersJson = "{}";
    task.createdAt = nowMillis();
    ASSERT_TRUE(store_.inner().insert(task).isOk());
  }

  void complete() {
    TaskResult result;
    result.taskId = kTask;
    result.equipmentId = kDevice;
    result.status = TaskStatus::kCompleted;
    result.code = 200;
    result.message = "success";
    result.attempts = 1;
    result.finishedAt = nowMillis();
    ASSERT_TRUE(store_.inner().complete(result).isOk());
  }

  std::future<Result<Task>> waitInBackground(std::chrono::seconds wait,
                                             std::chrono::milliseconds poll,
                                             const std::string& device = kDevice) {
    return std::async(std::launch::async, [this, wait, poll, device] {
      return awaitTaskStatus(service_, watch_, device, kTask, wait, poll);
    });
  }

  int reads() const { return store_.calls(StoreMethod::kGet); }

  static bool isReady(const std::future<Result<Task>>& result) {
    return result.wait_for(0s) == std::future_status::ready;
  }

  FaultyStore store_;
  RecordingPublisher publisher_;
  TaskService service_{store_, publisher_};
  TaskWatch watch_;
};

TEST_F(TaskWaitTest, ATerminalTaskIsReturnedAfterOneRead) {
  complete();
  const auto task = awaitTaskStatus(service_, watch_, kDevice, kTask, kLongWait, kNoPoll);
  ASSERT_TRUE(task.isOk());
  EXPECT_EQ(task.value().status, TaskStatus::kCompleted);
  EXPECT_EQ(reads(), 1);
}

TEST_F(TaskWaitTest, AnAnnouncedResultEndsTheWaitAtOnce) {
  auto waiting = waitInBackground(kLongWait, kNoPoll);
  ASSERT_TRUE(waitFor([&] { return reads() == 1; }));  // subscribed, read, waiting
  complete();
  watch_.notifyTerminal(kTask);
  ASSERT_TRUE(waitFor([&] { return isReady(waiting); }));
  const auto task = waiting.get();
  ASSERT_TRUE(task.isOk());
  EXPECT_EQ(task.value().status, TaskStatus::kCompleted);
  EXPECT_EQ(reads(), 2);
}

TEST_F(TaskWaitTest, AResultAppliedElsewhereIsSeenAtAPoll) {
  auto waiting = waitInBackground(kLongWait, 20ms);
  ASSERT_TRUE(waitFor([&] { return reads() >= 1; }));
  complete();  // by another process: nothing is announced here
  ASSERT_TRUE(waitFor([&] { return isReady(waiting); }));
  const auto task = waiting.get();
  ASSERT_TRUE(task.isOk());
  EXPECT_EQ(task.value().status, TaskStatus::kCompleted);
}

TEST_F(TaskWaitTest, AfterTheWaitTheRunningTaskIsReturnedHavingReadAtMostOncePerInterval) {
  const auto started = Clock::now();
  const auto task = awaitTaskStatus(service_, watch_, kDevice, kTask, 1s, 100ms);
  ASSERT_TRUE(task.isOk());
  EXPECT_EQ(task.value().status, TaskStatus::kQueued);
  EXPECT_GE(Clock::now() - started, 1s);
  // One read at the start, then one per 100 ms of the second at most.
  EXPECT_LE(reads(), 1 + 10);
  EXPECT_GE(reads(), 2) << "the store was never read again";
}

TEST_F(TaskWaitTest, StopEndsTheWaitWithTheStateReadThen) {
  auto waiting = waitInBackground(kLongWait, kNoPoll);
  ASSERT_TRUE(waitFor([&] { return reads() == 1; }));
  watch_.stop();
  ASSERT_TRUE(waitFor([&] { return isReady(waiting); }));
  const auto task = waiting.get();
  ASSERT_TRUE(task.isOk());
  EXPECT_EQ(task.value().status, TaskStatus::kQueued);
  EXPECT_EQ(reads(), 2);
}

TEST_F(TaskWaitTest, AnotherDevicesTaskIsNotFoundAtOnce) {
  const auto task = awaitTaskStatus(service_, watch_, "GOOD01", kTask, kLongWait, kNoPoll);
  EXPECT_EQ(task.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(reads(), 1);
}

TEST_F(TaskWaitTest, AStoreErrorEndsTheWaitAtOnce) {
  auto waiting = waitInBackground(kLongWait, 10ms);
  ASSERT_TRUE(waitFor([&] { return reads() >= 1; }));
  store_.failAlways(StoreMethod::kGet, Status::unavailable("database restarting"));
  ASSERT_TRUE(waitFor([&] { return isReady(waiting); }));
  EXPECT_EQ(waiting.get().status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace cpe::host::api
