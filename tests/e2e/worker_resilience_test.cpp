// How the worker treats a sick A, with the real cpe-host and RabbitMQ and an
// A played by this test (plain HTTP on loopback) so each test can switch its
// behaviour at will: the circuit breaker, the per-task hold bound and the
// grace period on SIGTERM.
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <iostream>
#include <thread>

#include "cpe/sdk/mutex.h"
#include "password_leaks.h"
#include "running_services.h"

namespace cpe::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string kBody =
    std::string(R"({"timeoutInSeconds":14,"parameters":{"username":"admin","password":")") +
    kSuiteDevicePassword + R"(","interfaces":[1]}})";

// Service A as this test wants it: every call is counted, then answered
// 503, held until released, or answered 200 after a delay.
class ScriptedA {
 public:
  enum class Mode { kUnavailable, kHang, kSucceed };

  ScriptedA() : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)) {
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(64);
    params->setMaxQueued(256);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket_, params);
    server_->start();
  }
  ~ScriptedA() {
    release();
    server_->stopAll(true);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(socket_.address().port()); }
  int calls() const { return calls_; }
  void setMode(Mode mode, std::chrono::milliseconds delay = 0ms) {
    MutexLock lock(mutex_);
    mode_ = mode;
    delay_ = delay;
  }
  void release() {
    {
      MutexLock lock(mutex_);
      released_ = true;
    }
    changed_.notify_all();
  }

 private:
  class Handler final : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(ScriptedA& a) : a_(a) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
      request.stream().ignore(std::numeric_limits<std::streamsize>::max());
      ++a_.calls_;
      MutexLock lock(a_.mutex_);
      const Mode mode = a_.mode_;
      if (mode == Mode::kHang) {
        a_.changed_.wait(lock.native(), [&]() CPE_REQUIRES(a_.mutex_) { return a_.released_; });
      }
      const auto delay = a_.delay_;
      lock.unlock();
      if (mode == Mode::kSucceed) std::this_thread::sleep_for(delay);
      const bool ok = mode == Mode::kSucceed;
      response.setStatus(ok ? Poco::Net::HTTPResponse::HTTP_OK
                            : Poco::Net::HTTPResponse::HTTP_SERVICE_UNAVAILABLE);
      response.setContentType("application/json");
      response.send() << (ok ? R"({"code":200,"message":"success"})"
                             : R"({"code":503,"message":"down"})");
    }

   private:
    ScriptedA& a_;
  };
  class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(ScriptedA& a) : a_(a) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
      return new Handler(a_);
    }

   private:
    ScriptedA& a_;
  };

  Poco::Net::ServerSocket socket_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  std::atomic<int> calls_{0};
  Mutex mutex_;
  std::condition_variable changed_;
  Mode mode_ CPE_GUARDED_BY(mutex_) = Mode::kUnavailable;
  std::chrono::milliseconds delay_ CPE_GUARDED_BY(mutex_){0};
  bool released_ CPE_GUARDED_BY(mutex_) = false;
};

class WorkerResilience : public ::testing::Test {
 protected:
  void TearDown() override {
    host_.reset();
    deleteQueues(queues_);
  }

  void startHost(std::vector<std::string> defines) {
    auto all = backendDefines({"sqlite", "rabbitmq"}, queues_, dataDir_);
    all.push_back("worker.serviceUrl=" + a_.url());
    all.insert(all.end(), defines.begin(), defines.end());
    host_ = std::make_unique<RunningHost>(hostDir_, stub_, all);
  }

  std::vector<std::string> postTasks(int count) {
    std::vector<std::string> ids;
    for (int i = 0; i < count; ++i) {
      const auto posted = host_->api().post(path(i), kBody);
      EXPECT_EQ(posted.status, 200) << posted.body;
      if (posted.status == 200) ids.push_back(posted.json()->getValue<std::string>("taskId"));
    }
    return ids;
  }

  // The final answer of task `i`, polling while it runs.
  HttpResult awaitTerminal(int i, const std::string& taskId, std::chrono::seconds limit = 60s) {
    const auto deadline = Clock::now() + limit;
    HttpResult status;
    do {
      status = host_->api().get(path(i) + "/task/" + taskId);
      if (status.status == 202) std::this_thread::sleep_for(100ms);
    } while (status.status == 202 && Clock::now() < deadline);
    return status;
  }

  static std::string path(int i) {
    return "/api/v1/equipment/cpe/DEV" + std::to_string(100000 + i);
  }

  QueueNames queues_ = QueueNames::unique();
  ScriptedA a_;
  RunningStub stub_{0.1};  // RunningHost needs one; A is played by a_
  std::string dataDir_ = freshDir("resilience");
  std::string hostDir_ = freshDir("host");
  std::unique_ptr<RunningHost> host_;
};

TEST_F(WorkerResilience, WhileAIsDownTheWorkersWaitForTheBreakerAndResumeByThemselves) {
  constexpr int kTasks = 40;
  constexpr int kThreads = 8;
  // The host's stuck-task report, every second, tells when every task has
  // waited 4 s for A: the span over which the calls are counted.
  startHost({"worker.threads=" + std::to_string(kThreads), "worker.retryInitialBackoffMs=20",
             "worker.retryMaxBackoffMs=100", "worker.retryBudgetSeconds=120",
             "worker.breakerFailureThreshold=3", "worker.breakerOpenMs=1000",
             "host.stuckTaskAgeSeconds=4", "host.stuckTaskCheckSeconds=1"});
  const auto firstPost = Clock::now();
  const auto ids = postTasks(kTasks);
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(kTasks));
  // Without the breaker, 8 threads retrying every 20–100 ms would call A
  // hundreds of times a second; with it, the first failures open it (each
  // thread may be mid-call then) and then one probe a second goes out.
  const std::string everyTaskWaited =
      std::to_string(kTasks) + " task(s) queued for longer than 4 s;";
  const auto deadline = Clock::now() + 60s;
  while (host_->log().find(everyTaskWaited) == std::string::npos && Clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_NE(host_->log().find(everyTaskWaited), std::string::npos)
      << "the host never reported every task waiting 4 s\n"
      << host_->log();
  const int callsWhileDown = a_.calls();
  const double downSeconds = std::chrono::duration<double>(Clock::now() - firstPost).count();
  std::cout << "calls to A while every task waited 4 s: " << callsWhileDown << " in " << downSeconds
            << " s (" << kTasks << " tasks, " << kThreads << " threads)\n";
  // Bounded by the time it took, not by a count that a slow POST loop
  // would outgrow: the first calls, then a probe a second (twice that, slack).
  EXPECT_LE(callsWhileDown, kThreads + 2 * static_cast<int>(std::ceil(downSeconds)))
      << "the threads kept calling a dead A";
  EXPECT_NE(host_->log().find("circuit breaker open"), std::string::npos);

  a_.setMode(ScriptedA::Mode::kSucceed);
  for (int i = 0; i < kTasks; ++i) {
    EXPECT_EQ(awaitTerminal(i, ids[static_cast<std::size_t>(i)]).status, 200) << "task " << i;
  }
  EXPECT_NE(host_->log().find("A answers again"), std::string::npos);
}

TEST_F(WorkerResilience, ATaskHeldPastTheHoldBoundFailsWithAReason) {
  a_.setMode(ScriptedA::Mode::kHang);
  startHost({"worker.threads=2", "worker.callTimeoutSeconds=600", "worker.maxHoldSeconds=3"});
  const auto ids = postTasks(1);
  ASSERT_EQ(ids.size(), 1u);
  const HttpResult done = awaitTerminal(0, ids[0]);
  EXPECT_EQ(done.status, 500) << done.body;
  EXPECT_EQ(done.json()->getValue<std::string>("message"), "Internal provisioning exception");
  EXPECT_NE(host_->log().find("held for worker.maxHoldSeconds (3 s)"), std::string::npos)
      << host_->log();
  a_.release();
}

TEST_F(WorkerResilience, OnSigtermTasksInFlightFinishWithinTheGracePeriod) {
  constexpr int kTasks = 6;
  a_.setMode(ScriptedA::Mode::kSucceed, 1500ms);
  startHost({"worker.threads=8", "host.shutdownGraceSeconds=30"});
  const auto ids = postTasks(kTasks);
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(kTasks));
  const auto deadline = Clock::now() + 30s;
  while (a_.calls() < kTasks && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
  ASSERT_EQ(a_.calls(), kTasks) << "A never had every task at once";

  EXPECT_EQ(host_->process().stop(SIGTERM), 0) << host_->log();
  const std::string log = host_->log();
  EXPECT_EQ(log.find("handing them back"), std::string::npos) << log;
  startHost({"worker.threads=8"});
  for (int i = 0; i < kTasks; ++i) {
    EXPECT_EQ(awaitTerminal(i, ids[static_cast<std::size_t>(i)]).status, 200) << "task " << i;
  }
  EXPECT_EQ(a_.calls(), kTasks) << "a task finished before the exit was done again";
}

TEST_F(WorkerResilience, OnSigtermTasksStillRunningAfterTheGraceAreHandedBack) {
  constexpr int kTasks = 3;
  a_.setMode(ScriptedA::Mode::kHang);
  startHost({"worker.threads=4", "host.shutdownGraceSeconds=1"});
  const auto ids = postTasks(kTasks);
  const auto deadline = Clock::now() + 30s;
  while (a_.calls() < kTasks && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
  ASSERT_EQ(a_.calls(), kTasks);

  EXPECT_EQ(host_->process().stop(SIGTERM), 0) << host_->log();
  EXPECT_NE(host_->log().find("handing them back"), std::string::npos) << host_->log();
  a_.setMode(ScriptedA::Mode::kSucceed);
  a_.release();
  startHost({"worker.threads=4"});
  for (int i = 0; i < kTasks; ++i) {
    EXPECT_EQ(awaitTerminal(i, ids[static_cast<std::size_t>(i)]).status, 200) << "task " << i;
  }
}

}  // namespace
}  // namespace cpe::testing
