#pragma once

// The shared frame of the fault-injection suite: start a stub and hosts on
// one test's own queues and store, post a known number of tasks, inject a
// fault, then account for every accepted task from the store, the API and
// the hosts' logs.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "running_services.h"

namespace cpe::testing {

using namespace std::chrono_literals;

// A task B accepted (HTTP 200 with a task id).
struct PostedTask {
  std::string device;
  std::string taskId;
};

// What a burst of POSTs got back.
struct PostOutcome {
  std::vector<PostedTask> accepted;
  std::map<int, int> refusedByStatus;  // HTTP status (0: no answer) -> count
  int refusedWithoutRetryAfter = 0;    // 503 answers that lacked Retry-After
};

// The body every fault test posts.
std::string validTaskBody();
std::string taskStatusPath(const PostedTask& task);

// POSTs `count` tasks for devices DEV100000+first… (modulo the stub's 1,000
// devices) from `clients` threads at once, each pausing `pause` between its
// requests. A POST that throws (the host is gone) or answers other than 200
// is not accepted.
PostOutcome postTasks(const TestClient& api, int count, int clients = 16, int first = 0,
                      std::chrono::milliseconds pause = 0ms);

// How a scenario ended, per the reliability table.
struct Accounting {
  int posted = 0;
  int terminal = 0;              // terminal in the store and through the API
  int lost = 0;                  // accepted but not terminal in the store and the API
  int duplicated = 0;            // more than one "result applied" line for one task
  std::map<int, int> apiStatus;  // final HTTP status of the task endpoint -> count
  int wrongOutcome = 0;          // terminal, but not the outcome the scenario expects
};

class FaultTest : public ::testing::Test {
 protected:
  void TearDown() override;

  // The store and broker under test; call before starting anything.
  void useBackends(Backends backends);
  const Backends& backends() const { return backends_; }
  const QueueNames& queues() const { return queues_; }

  // -D settings for a host: the backends, this suite's defaults (64 workers,
  // a short retry budget), then `extra`, which wins.
  std::vector<std::string> hostDefines(const std::vector<std::string>& extra = {}) const;
  // Starts a host whose folder (and so log) is named `name`: starting the
  // same name again after a crash appends to the same log.
  std::unique_ptr<RunningHost> startHost(const std::string& name,
                                         const std::vector<std::string>& extra = {});
  std::unique_ptr<RunningHost> startHost(const std::string& name, std::uint16_t stubPort,
                                         const std::vector<std::string>& extra = {});
  std::unique_ptr<RunningStub> startStub(double delaySeconds,
                                         const std::vector<std::string>& extra = {});

  // How many of `tasks` are terminal in the store now.
  int countTerminal(const std::vector<PostedTask>& tasks);
  // Waits until every task is terminal in the store (or `limit` passes).
  bool awaitTerminalInStore(const std::vector<PostedTask>& tasks, std::chrono::seconds limit);

  // Waits for the tasks, then accounts for them: store, API (which must answer
  // `expectedHttpStatus` for each) and "result applied" lines in every host's
  // log. Prints the FAULT-TABLE line and checks lost = duplicated = 0 and
  // terminal = posted.
  Accounting account(const std::string& scenario, const std::vector<PostedTask>& tasks,
                     const TestClient& api, int expectedHttpStatus,
                     std::chrono::seconds limit = 120s);

  // The concatenated logs of every host started so far, restarts included.
  std::vector<std::string> hostLogs() const;
  // How many lines of `logs` name each task id (the one capture group).
  static std::map<std::string, int> countTaskLines(const std::vector<std::string>& logs,
                                                   const std::string& pattern);

  std::unique_ptr<RunningStub> stub_;

 private:
  Backends backends_{"sqlite", "rabbitmq"};
  QueueNames queues_ = QueueNames::unique();
  std::string dataDir_ = freshDir("fault");
  std::vector<std::string> hostDirs_;
  std::unique_ptr<TaskStore> store_;
};

}  // namespace cpe::testing
