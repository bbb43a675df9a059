// ProvisioningClient's connection to A: kept across calls however long A
// takes to answer, dropped once idle past worker.idleConnectionReuseMs. A
// plain-HTTP A on loopback records the client port of every call, so that
// calls on one connection share a port.

#include "worker/provisioning_client.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cpe/sdk/mutex.h"
#include "worker/call_deadlines.h"

namespace cpe::host {
namespace {

using namespace std::chrono_literals;

// Answers every call 200 after the delay set for it, and notes its client port.
class PortRecordingA {
 public:
  PortRecordingA() : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)) {
    auto* params = new Poco::Net::HTTPServerParams;
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(30, 0));
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket_, params);
    server_->start();
  }
  ~PortRecordingA() { server_->stopAll(true); }
  PortRecordingA(const PortRecordingA&) = delete;
  PortRecordingA& operator=(const PortRecordingA&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(socket_.address().port()); }
  void answerAfter(std::chrono::milliseconds delay) {
    MutexLock lock(mutex_);
    delay_ = delay;
  }
  std::vector<Poco::UInt16> clientPorts() const {
    MutexLock lock(mutex_);
    return ports_;
  }

 private:
  class Handler final : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(PortRecordingA& a) : a_(a) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
      request.stream().ignore(std::numeric_limits<std::streamsize>::max());
      std::chrono::milliseconds delay{0};
      {
        MutexLock lock(a_.mutex_);
        a_.ports_.push_back(request.clientAddress().port());
        delay = a_.delay_;
      }
      std::this_thread::sleep_for(delay);  // A's own slowness, not a test wait
      const std::string body = R"({"code":200,"message":"success"})";
      response.setContentType("application/json");
      response.setContentLength(static_cast<std::streamsize>(body.size()));  // keep-alive
      response.send() << body;
    }

   private:
    PortRecordingA& a_;
  };
  class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(PortRecordingA& a) : a_(a) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
      return new Handler(a_);
    }

   private:
    PortRecordingA& a_;
  };

  Poco::Net::ServerSocket socket_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  mutable Mutex mutex_;
  std::chrono::milliseconds delay_ CPE_GUARDED_BY(mutex_){0};
  std::vector<Poco::UInt16> ports_ CPE_GUARDED_BY(mutex_);
};

class ProvisioningClientConnections : public ::testing::Test {
 protected:
  std::unique_ptr<ProvisioningClient> client(std::chrono::milliseconds idleReuse) {
    WorkerOptions options;
    options.serviceUrl = a_.url();
    options.idleConnectionReuse = idleReuse;
    return std::make_unique<ProvisioningClient>(options, nullptr, deadlines_);
  }
  static Task task() {
    Task task;
    task.id = "6f1c2a4e-0d6b-4c38-9a51-2f3e8b7d9c10";
    task.equipmentId = "ABC123";
    task.timeoutInSeconds = 14;
    task.parametersJson = R"({"username":"admin","password":"secret"})";
    return task;
  }
  static void expectSuccess(const CallOutcome& outcome) {
    EXPECT_EQ(outcome.kind, CallOutcome::Kind::kAnswered) << outcome.reason;
    EXPECT_EQ(outcome.code, 200);
  }

  PortRecordingA a_;
  CallDeadlines deadlines_;
};

// Poco reconnects a session whose last request went out 8 s ago or more (its
// default keep-alive timeout): with an A that takes longer, every call opened
// a connection of its own (800 TLS handshakes a second for 8,000 calls
// in flight against a 10 s A).
TEST_F(ProvisioningClientConnections, ACallLongerThanPocosKeepAliveDefaultKeepsItsConnection) {
  auto caller = client(4000ms);
  a_.answerAfter(8500ms);
  expectSuccess(caller->call(task(), 30s));
  a_.answerAfter(0ms);
  expectSuccess(caller->call(task(), 30s));

  const auto ports = a_.clientPorts();
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_EQ(ports[0], ports[1]) << "the second call opened a new connection";
}

TEST_F(ProvisioningClientConnections, AConnectionIdlePastTheBoundIsReplaced) {
  // A bound well above a stall of the test thread between two calls, which
  // would rightly replace the connection the second call is meant to reuse.
  auto caller = client(1500ms);
  a_.answerAfter(2000ms);  // longer than the bound: idle time counts from the answer
  expectSuccess(caller->call(task(), 30s));
  a_.answerAfter(0ms);
  expectSuccess(caller->call(task(), 30s));
  std::this_thread::sleep_for(2000ms);  // the idle time under test, not a wait for a state
  expectSuccess(caller->call(task(), 30s));

  const auto ports = a_.clientPorts();
  ASSERT_EQ(ports.size(), 3u);
  EXPECT_EQ(ports[0], ports[1]) << "a connection idle for no time was not reused";
  EXPECT_NE(ports[1], ports[2]) << "a connection idle past the bound was reused";
}

}  // namespace
}  // namespace cpe::host
