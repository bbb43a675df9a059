// cpe-stub-a as a real process over HTTPS on loopback: every answer of
// api-contract.md's service A section and input table, the delay, and
// concurrency proven from the stub's own counters.
#include <Poco/File.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Path.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "https_client.h"
#include "running_services.h"
#include "service_process.h"
#include "test_paths.h"

namespace cpe::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr double kDelaySeconds = 1.0;
constexpr const char* kPassword = "Pa55-never-logged";

std::string validBody() {
  return std::string(R"({"timeoutInSeconds":14,"parameters":{"username":"admin","password":")") +
         kPassword + R"(","vlan":534,"interfaces":[1,2,3,4]}})";
}

class StubA : public ::testing::Test {
 protected:
  void TearDown() override {
    const int exitCode = stub_.process().stop(SIGTERM);
    EXPECT_EQ(exitCode, 0) << stub_.process().log();
    EXPECT_EQ(stub_.process().log().find(kPassword), std::string::npos)
        << "the device password reached the log";
  }

  // Posts and checks the answer's status, body and that it took the delay.
  void expectHeldAnswer(const std::string& id, int status, const std::string& message) {
    const auto started = Clock::now();
    const HttpResult result = stub_.https().post("/api/v1/equipment/cpe/" + id, validBody());
    const std::chrono::duration<double> took = Clock::now() - started;
    EXPECT_EQ(result.status, status) << result.body;
    EXPECT_EQ(result.json()->getValue<int>("code"), status);
    EXPECT_EQ(result.json()->getValue<std::string>("message"), message);
    EXPECT_EQ(result.headers.at("Content-Type"), "application/json");
    EXPECT_GE(took.count(), kDelaySeconds) << "answered before the configured delay";
  }

  void expectImmediateError(const std::string& path, const std::string& body, int status,
                            const std::string& message) {
    const HttpResult result = stub_.https().post(path, body);
    EXPECT_EQ(result.status, status) << body;
    EXPECT_EQ(result.json()->getValue<int>("code"), status);
    EXPECT_EQ(result.json()->getValue<std::string>("message"), message);
  }

  RunningStub stub_{kDelaySeconds};
};

TEST_F(StubA, AnswersSuccessAfterTheDelay) { expectHeldAnswer("ABC123", 200, "success"); }

TEST_F(StubA, AnswersEquipmentNotFoundForAnUnknownDeviceAfterTheDelay) {
  expectHeldAnswer("UNKNOWN99", 404, "The requested equipment is not found");
}

TEST_F(StubA, AnswersProvisioningFailureForAFailingDeviceAfterTheDelay) {
  expectHeldAnswer("FAIL01", 500, "Internal provisioning exception");
}

TEST_F(StubA, AnswersEquipmentNotFoundAtOnceForAnIdOfTheWrongShape) {
  for (const char* id : {"ABC12", "ABC-123", "ABC%20123"}) {
    expectImmediateError(std::string("/api/v1/equipment/cpe/") + id, validBody(), 404,
                         "The requested equipment is not found");
  }
  EXPECT_EQ(stub_.stats()->getValue<int>("maxHeld"), 0) << "a refused request was held";
}

TEST_F(StubA, AnswersBadRequestNamingTheField) {
  expectImmediateError(
      "/api/v1/equipment/cpe/ABC123",
      R"({"timeoutInSeconds":14,"parameters":{"username":"u","password":"p","vlan":5000,"interfaces":[1]}})",
      400, "parameters.vlan must be an integer from 1 to 4094");
  expectImmediateError("/api/v1/equipment/cpe/ABC123",
                       R"({"parameters":{"username":"u","password":"p","interfaces":[1]}})", 400,
                       "timeoutInSeconds is required");
  expectImmediateError("/api/v1/equipment/cpe/ABC123", "{not json", 400, "body is not valid JSON");
  expectImmediateError("/api/v1/equipment/cpe/ABC123", "[1,2]", 400, "body must be a JSON object");
  EXPECT_EQ(stub_.stats()->getValue<int>("maxHeld"), 0) << "a refused request was held";
}

TEST_F(StubA, AnswersPayloadTooLargeOver64KiB) {
  const std::string body = R"({"timeoutInSeconds":14,"pad":")" + std::string(70000, 'x') + "\"}";
  expectImmediateError("/api/v1/equipment/cpe/ABC123", body, 413,
                       "body must be at most 65536 bytes");
}

TEST_F(StubA, AnswersMethodNotAllowedWithAllowHeader) {
  const HttpResult result = stub_.https().get("/api/v1/equipment/cpe/ABC123");
  EXPECT_EQ(result.status, 405);
  EXPECT_EQ(result.headers.at("Allow"), "POST");
  EXPECT_EQ(result.json()->getValue<int>("code"), 405);
  EXPECT_EQ(stub_.https().request("DELETE", "/api/v1/equipment/cpe/ABC123").status, 405);
}

TEST_F(StubA, AnswersNotFoundForOtherPaths) {
  for (const char* path : {"/", "/api/v1/equipment/cpe", "/api/v1/equipment/cpe/ABC123/task/1",
                           "/api/v1/equipment/cpe/ABC123/extra"}) {
    const HttpResult result = stub_.https().post(path, validBody());
    EXPECT_EQ(result.status, 404) << path;
    EXPECT_EQ(result.json()->getValue<std::string>("message"), "Not found") << path;
  }
}

TEST_F(StubA, ServesPlainHttpOnItsOwnPortWhenEnabled) {
  const HttpResult result = stub_.http().post("/api/v1/equipment/cpe/GOOD01", validBody());
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.json()->getValue<std::string>("message"), "success");
}

TEST_F(StubA, APostWithNeitherLengthNorChunkingIsAnswered411WithoutWaitingForItsBody) {
  // Such a body ends only when the client closes; this client never does.
  const std::string head =
      "POST /api/v1/equipment/cpe/GOOD01 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/json\r\n\r\n{\"timeoutIn";
  const std::string answer = plainExchange(stub_.httpPort(), head, Poco::Timespan(10, 0));
  EXPECT_EQ(answer.rfind("HTTP/1.1 411", 0), 0u) << answer;
  EXPECT_NE(answer.find(R"({"code":411,"message":"Length required"})"), std::string::npos)
      << answer;
}

TEST_F(StubA, AnswersHealthzWhileItServes) {
  const HttpResult result = stub_.https().get("/healthz");
  EXPECT_EQ(result.status, 200) << result.body;
  EXPECT_EQ(result.json()->getValue<int>("code"), 200);
}

TEST_F(StubA, RefusesAHeadWithTooManyFields431) {
  // The default limit is 64 fields (stub.server.maxHeaderFields).
  std::map<std::string, std::string> fields;
  for (int i = 0; i < 70; ++i) fields["X-Field-" + std::to_string(i)] = "v";
  const HttpResult refused = stub_.https().request("POST", "/api/v1/equipment/cpe/GOOD01",
                                                   validBody(), fields);
  EXPECT_EQ(refused.status, 431);
  EXPECT_EQ(refused.body, R"({"code":431,"message":"Request header fields too large"})");
  EXPECT_EQ(stub_.https().get("/stats").status, 200) << "the stub stopped serving";
}

TEST(StubABody, ABodyThatStopsComingIsAnswered408AfterTheBodyTimeout) {
  RunningStub stub(kDelaySeconds, {"-Dstub.server.requestBodyTimeoutSeconds=2"});
  // 200 bytes announced, a few sent, then nothing: only the body timeout
  // ends the wait.
  const std::string request =
      "POST /api/v1/equipment/cpe/GOOD01 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"timeoutIn";
  const std::string answer = plainExchange(stub.httpPort(), request, Poco::Timespan(10, 0));
  EXPECT_EQ(answer.rfind("HTTP/1.1 408", 0), 0u) << answer;
  EXPECT_NE(answer.find(R"({"code":408,"message":"The request body did not arrive in full"})"),
            std::string::npos)
      << answer;
  EXPECT_EQ(stub.process().stop(SIGTERM), 0);
}

TEST_F(StubA, CountsAnswersInStats) {
  expectHeldAnswer("ABC123", 200, "success");
  expectImmediateError("/api/v1/equipment/cpe/ABC", validBody(), 404,
                       "The requested equipment is not found");
  const auto stats = stub_.stats();
  EXPECT_EQ(stats->getValue<int>("received"), 2);
  EXPECT_EQ(stats->getValue<int>("held"), 0);
  EXPECT_EQ(stats->getValue<int>("maxHeld"), 1);
  EXPECT_EQ(stats->getObject("answered")->getValue<int>("200"), 1);
  EXPECT_EQ(stats->getObject("answered")->getValue<int>("404"), 1);
}

// The concurrency tests use a long delay so that every request is in before
// the first is released; the proof is the stub's counter, not a stopwatch.
TEST(StubAConcurrency, HoldsOneHundredHttpsRequestsAtOnce) {
  constexpr int kClients = 100;
  RunningStub stub(10.0);
  std::vector<std::future<int>> answers;
  for (int i = 0; i < kClients; ++i) {
    answers.push_back(std::async(std::launch::async, [&stub, i] {
      return stub.https()
          .post("/api/v1/equipment/cpe/DEV" + std::to_string(100000 + i), validBody())
          .status;
    }));
  }
  EXPECT_TRUE(stub.awaitHeld(kClients, 30s)) << "held: " << stub.stats()->getValue<int>("held");
  for (auto& answer : answers) EXPECT_EQ(answer.get(), 200);
  EXPECT_EQ(stub.stats()->getValue<int>("maxHeld"), kClients);
  EXPECT_EQ(stub.process().stop(SIGTERM), 0);
}

// 1,000 held requests over plain HTTP from one thread with raw sockets:
// cheap for the test, and the same server code path as HTTPS after TLS.
TEST(StubAConcurrency, HoldsOneThousandRequestsAtOnce) {
  constexpr int kClients = 1000;
  RunningStub stub(15.0);
  const std::string body = validBody();
  std::vector<Poco::Net::StreamSocket> sockets(kClients);
  for (int i = 0; i < kClients; ++i) {
    const std::string request = "POST /api/v1/equipment/cpe/DEV" + std::to_string(100000 + i) +
                                " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                "Connection: close\r\nContent-Length: " +
                                std::to_string(body.size()) + "\r\n\r\n" + body;
    sockets[i].connect(Poco::Net::SocketAddress("127.0.0.1", stub.httpPort()));
    sockets[i].sendBytes(request.data(), static_cast<int>(request.size()));
  }
  EXPECT_TRUE(stub.awaitHeld(kClients, 60s)) << "held: " << stub.stats()->getValue<int>("held");
  int successes = 0;
  for (auto& socket : sockets) {
    socket.setReceiveTimeout(Poco::Timespan(60, 0));
    char head[12] = {};
    int received = 0;
    while (received < 12) {
      const int n = socket.receiveBytes(head + received, 12 - received);
      if (n <= 0) break;
      received += n;
    }
    if (std::string(head, received) == "HTTP/1.1 200") ++successes;
  }
  EXPECT_EQ(successes, kClients);
  EXPECT_EQ(stub.stats()->getValue<int>("maxHeld"), kClients);
  EXPECT_EQ(stub.process().stop(SIGTERM), 0);
}

TEST(StubAShutdown, SigtermReleasesHeldRequestsAndExitsZero) {
  RunningStub stub(600.0);
  auto answer = std::async(std::launch::async, [&stub] {
    return stub.https().post("/api/v1/equipment/cpe/ABC123", validBody()).status;
  });
  ASSERT_TRUE(stub.awaitHeld(1, 30s));
  EXPECT_EQ(stub.process().stop(SIGTERM, 20s), 0);
  EXPECT_EQ(answer.get(), 503);
}

TEST(StubAConfiguration, RefusesAnUnknownKeyAtStart) {
  const std::string dir = freshDir("stub-config");
  ServiceProcess process(
      stubBinary(),
      {"-Dstub.https.enabled=false", "-Dstub.http.enabled=true", "-Dstub.delaySecnds=1"},
      dir + "/ready.json", dir + "/stub.log");
  EXPECT_EQ(process.waitExit(20s), 78);  // EX_CONFIG
  EXPECT_NE(process.log().find("stub.delaySecnds"), std::string::npos) << process.log();
}

TEST(StubAConfiguration, RefusesALogFormatOtherThanTextOrJsonAtStart) {
  const std::string dir = freshDir("stub-config");
  ServiceProcess process(
      stubBinary(),
      {"-Dstub.https.enabled=false", "-Dstub.http.enabled=true", "-Dlogging.format=xml"},
      dir + "/ready.json", dir + "/stub.log");
  EXPECT_EQ(process.waitExit(20s), 78);  // EX_CONFIG
  EXPECT_NE(process.log().find("logging.format = 'xml'"), std::string::npos) << process.log();
}

}  // namespace
}  // namespace cpe::testing
