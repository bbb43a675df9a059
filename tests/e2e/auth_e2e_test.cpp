// Who may call B, end to end: a real cpe-host (memory store, RabbitMQ) whose
// callers are made by `cpe-host --new-token`, asked over HTTPS on loopback.
// Every refusal is checked on every route, under every status-line policy.
#include <Poco/Exception.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "https_client.h"
#include "password_leaks.h"
#include "program_run.h"
#include "running_services.h"
#include "test_paths.h"

namespace cpe::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kDevice = "ABC123";
const std::string kBody = std::string(R"({"timeoutInSeconds":14,"parameters":{"username":"admin",)") +
                          R"("password":")" + kSuiteDevicePassword + R"(","interfaces":[1]}})";
const std::string kCreatePath = std::string("/api/v1/equipment/cpe/") + kDevice;
const std::string kStatusPath = kCreatePath + "/task/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const std::string kHistoryPath = kCreatePath + "/tasks";

// A caller as `cpe-host --new-token NAME` made it.
struct Caller {
  std::string name;
  std::string token;
  std::string sha256;
};

Caller newCaller(const std::string& name) {
  const ProgramRun run = runProgram(hostBinary(), {"--new-token", name}, {}, 30s);
  EXPECT_EQ(run.exitCode, 0) << run.err;
  Caller caller{name, "", ""};
  std::istringstream lines(run.out);
  const std::string hashKey = "api.auth.tokens." + name + ".sha256 = ";
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("token: ", 0) == 0) caller.token = line.substr(7);
    if (line.rfind(hashKey, 0) == 0) caller.sha256 = line.substr(hashKey.size());
  }
  EXPECT_FALSE(caller.token.empty()) << run.out;
  EXPECT_EQ(caller.sha256.size(), 64u) << run.out;
  return caller;
}

// One route of B, as a request that a caller with its scope gets through.
struct Route {
  std::string method;
  std::string path;
};

std::vector<Route> guardedRoutes() {
  return {{"POST", kCreatePath},
          {"GET", kStatusPath},
          {"GET", kHistoryPath},
          {"GET", "/readyz"},
          {"GET", "/metrics"}};
}

HttpResult ask(const TestClient& client, const Route& route) {
  return client.request(route.method, route.path, route.method == "POST" ? kBody : "");
}

std::string shown(const Route& route, const HttpResult& result) {
  return route.method + " " + route.path + " -> " + std::to_string(result.status) + " " +
         result.body;
}

class AuthEndToEnd : public ::testing::Test {
 protected:
  void TearDown() override {
    if (host_) {
      // No token or password ever reaches the log, at any level.
      const std::string log = host_->log();
      EXPECT_EQ(log.find(kSuiteDevicePassword), std::string::npos);
      for (const auto& [name, caller] : callers_) {
        EXPECT_EQ(log.find(caller.token), std::string::npos) << name << "'s token is in the log";
      }
      EXPECT_EQ(log.find(kSuiteToken), std::string::npos);
    }
    host_.reset();
    stub_.reset();
    deleteQueues(queues_);
  }

  // Callers writer (tasks:write), reader (tasks:read), ops (ops:read) and
  // limited (every scope, one request per 100 s), made with --new-token.
  std::vector<std::string> callerDefines() {
    const std::map<std::string, std::string> scopes = {
        {"writer", "tasks:write"},
        {"reader", "tasks:read"},
        {"ops", "ops:read"},
        {"limited", "tasks:write,tasks:read,ops:read"}};
    const auto setting = [](const std::string& name, const std::string& field,
                            const std::string& value) {
      return "api.auth.tokens." + name + "." + field + "=" + value;
    };
    std::vector<std::string> defines;
    for (const auto& [name, scope] : scopes) {
      callers_[name] = newCaller(name);
      defines.push_back(setting(name, "sha256", callers_[name].sha256));
      defines.push_back(setting(name, "scopes", scope));
    }
    defines.push_back("api.auth.tokens.limited.requestsPerSecond=0.01");
    return defines;
  }

  // A host (memory store, RabbitMQ) with `defines`, and a stub with
  // `stubDefines` unless one runs already.
  void startHost(std::vector<std::string> defines, bool awaitReady = true,
                 const std::vector<std::string>& stubDefines = {}) {
    if (!stub_) stub_ = std::make_unique<RunningStub>(0.2, stubDefines);
    const std::string dir = freshDir("auth-host");
    auto all = backendDefines({"memory", "rabbitmq"}, queues_, dir);
    all.insert(all.end(), defines.begin(), defines.end());
    host_ = std::make_unique<RunningHost>(dir, *stub_, all);
    if (awaitReady) {
      ASSERT_TRUE(host_->awaitReady());
    }
  }

  TestClient client(const std::string& token) const {
    return TestClient("127.0.0.1", host_->port("https"), certDir() + "/ca.pem", token);
  }
  // A client showing the certificate `dir`/client.pem (the test CA's
  // CN=cpe-development-client by default).
  TestClient withCertificate(const std::string& token, const std::string& dir = certDir()) const {
    return TestClient("127.0.0.1", host_->port("https"), certDir() + "/ca.pem", token,
                      dir + "/client.pem", dir + "/client.key");
  }
  TestClient as(const std::string& name) const { return client(callers_.at(name).token); }

  // Polls the host's log until `text` is in it; false after 10 s.
  bool awaitLog(const std::string& text) const {
    const auto deadline = Clock::now() + 10s;
    while (host_->log().find(text) == std::string::npos) {
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(50ms);
    }
    return true;
  }

  QueueNames queues_ = QueueNames::unique();
  std::map<std::string, Caller> callers_;
  std::unique_ptr<RunningStub> stub_;
  std::unique_ptr<RunningHost> host_;
};

void expectRefusal(const HttpResult& result, int code, const std::string& message,
                   const std::string& context) {
  EXPECT_EQ(result.status, code) << context;
  EXPECT_EQ(result.body,
            "{\"code\":" + std::to_string(code) + ",\"message\":\"" + message + "\"}")
      << context;
}

// Whole seconds since `start`, rounded up: what a bucket may have refilled.
int secondsSince(Clock::time_point start) {
  return static_cast<int>(std::ceil(std::chrono::duration<double>(Clock::now() - start).count()));
}

// A 429's Retry-After, in whole seconds, between `least` (at least 1) and `most`.
void expectRetryAfterWithin(const HttpResult& result, int least, int most,
                            const std::string& context) {
  ASSERT_EQ(result.headers.count("Retry-After"), 1u) << context;
  const int retryAfter = std::stoi(result.headers.at("Retry-After"));
  EXPECT_GE(retryAfter, std::max(1, least)) << context;
  EXPECT_LE(retryAfter, most) << context;
}

class AuthRefusals : public AuthEndToEnd, public ::testing::WithParamInterface<std::string> {};

// api-contract.md, "Refusals that every route may answer": each with its
// own status line whatever the status-line policy.
TEST_P(AuthRefusals, KeepTheirStatusLineOnEveryRoute) {
  auto defines = callerDefines();
  defines.push_back("api.statusLinePolicy=" + GetParam());
  startHost(defines);

  const TestClient anonymous = client("");
  const TestClient stranger = client("cpe_" + std::string(43, 'A'));
  for (const Route& route : guardedRoutes()) {
    for (const TestClient* nobody : {&anonymous, &stranger}) {
      const HttpResult result = ask(*nobody, route);
      expectRefusal(result, 401, "Unauthorized", shown(route, result));
      EXPECT_EQ(result.headers.count("WWW-Authenticate") ? result.headers.at("WWW-Authenticate")
                                                          : "",
                "Bearer")
          << shown(route, result);
    }
  }
  // A path nobody knows tells nothing to a stranger either.
  expectRefusal(anonymous.get("/api/v1/nowhere"), 401, "Unauthorized", "unknown path");
  EXPECT_EQ(as("reader").get("/api/v1/nowhere").status, 404);
  EXPECT_EQ(anonymous.get("/healthz").status, 200) << "probes carry no token";
  // The scheme's name in any case (RFC 9110 11.1), the token exactly.
  const std::string token = callers_.at("reader").token;
  EXPECT_NE(anonymous.request("GET", kHistoryPath, "", {{"Authorization", "bearer " + token}})
                .status,
            401);
  EXPECT_EQ(anonymous
                .request("GET", kHistoryPath, "",
                         {{"Authorization", "Bearer " + token.substr(0, token.size() - 1)}})
                .status,
            401);
  EXPECT_EQ(anonymous.request("GET", kHistoryPath, "", {{"Authorization", "Basic " + token}})
                .status,
            401);

  // Each caller gets its routes and only those.
  const std::map<std::string, std::vector<std::string>> allowed = {
      {"writer", {kCreatePath}},
      {"reader", {kStatusPath, kHistoryPath}},
      {"ops", {"/readyz", "/metrics"}}};
  for (const auto& [name, paths] : allowed) {
    const TestClient caller = as(name);
    for (const Route& route : guardedRoutes()) {
      const HttpResult result = ask(caller, route);
      const bool mine = std::find(paths.begin(), paths.end(), route.path) != paths.end();
      if (mine) {
        EXPECT_NE(result.status, 401) << name << ": " << shown(route, result);
        EXPECT_NE(result.status, 403) << name << ": " << shown(route, result);
      } else {
        expectRefusal(result, 403, "Forbidden", name + ": " + shown(route, result));
      }
    }
  }

  // The limited caller's one request, then 429 on every route with the time
  // to wait; the others go on as before.
  const TestClient limited = as("limited");
  EXPECT_EQ(limited.get("/healthz").status, 200) << "needs no token, takes none from the bucket";
  const auto tokenTaken = Clock::now();
  EXPECT_NE(ask(limited, guardedRoutes()[2]).status, 429);
  for (const Route& route : guardedRoutes()) {
    const HttpResult result = ask(limited, route);
    expectRefusal(result, 429, "Too many requests", shown(route, result));
    // 100 s to refill one token (0.01/s), less the time since it was taken.
    expectRetryAfterWithin(result, 100 - secondsSince(tokenTaken), 100, shown(route, result));
  }
  const HttpResult posted = as("writer").post(kCreatePath, kBody);
  EXPECT_EQ(posted.json()->getValue<int>("code"), 200) << posted.body;
  EXPECT_EQ(as("reader").get(kHistoryPath).json()->getValue<int>("code"), 200);
}

INSTANTIATE_TEST_SUITE_P(Policies, AuthRefusals,
                         ::testing::Values("mirror", "bare204", "envelope"));

TEST_F(AuthEndToEnd, ALimitedCallerGoesOnOnceItsBucketRefills) {
  auto defines = callerDefines();
  // 5 s to refill the one token (burst: 1): the second POST finds the bucket
  // empty even on a machine that stalls for seconds.
  defines.push_back("api.auth.tokens.writer.requestsPerSecond=0.2");
  startHost(defines);
  const TestClient writer = as("writer");
  const auto tokenTaken = Clock::now();
  ASSERT_EQ(writer.post(kCreatePath, kBody).status, 200);
  const HttpResult refused = writer.post(kCreatePath, kBody);
  ASSERT_EQ(refused.status, 429) << refused.body;
  expectRetryAfterWithin(refused, 5 - secondsSince(tokenTaken), 5, refused.body);
  const auto deadline = Clock::now() + 30s;
  int status = 429;
  while (status == 429 && Clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    status = writer.post(kCreatePath, kBody).status;
  }
  EXPECT_EQ(status, 200);
}

TEST_F(AuthEndToEnd, EveryPostIsAuditedWithItsCallerAndNeverItsSecrets) {
  startHost(callerDefines());
  const HttpResult accepted = as("writer").post(kCreatePath, kBody);
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  const std::string taskId = accepted.json()->getValue<std::string>("taskId");
  EXPECT_EQ(client("").post("/api/v1/equipment/cpe/NOTOKEN1", kBody).status, 401);
  EXPECT_EQ(as("reader").post("/api/v1/equipment/cpe/READER01", kBody).status, 403);
  EXPECT_EQ(as("writer").post("/api/v1/equipment/cpe/BADBODY1", "{}").status, 400);

  EXPECT_TRUE(awaitLog("POST device ABC123 accepted as task " + taskId + " (caller writer, "
                       "client 127.0.0.1:"))
      << host_->log();
  EXPECT_TRUE(awaitLog("POST device NOTOKEN1 refused 401: Unauthorized (caller -, client 127.0.0.1:"));
  EXPECT_TRUE(awaitLog("POST device READER01 refused 403: Forbidden (caller reader, client 127.0.0.1:"));
  EXPECT_TRUE(awaitLog("POST device BADBODY1 refused 400: timeoutInSeconds is required (caller "
                       "writer, client 127.0.0.1:"));
  // GETs are not audited (they change nothing).
  as("reader").get(kCreatePath + "/task/" + taskId);
  EXPECT_EQ(host_->log().find("GET device"), std::string::npos);
}

TEST_F(AuthEndToEnd, OpsEndpointsFollowTheirSettings) {
  auto defines = callerDefines();
  defines.insert(defines.end(), {"api.auth.opsEndpoints=open", "ops.http.enabled=true",
                                 "ops.http.port=0", "ops.endpointsNeedToken=true"});
  startHost(defines);
  // Open on the API port, as configured here.
  EXPECT_EQ(client("").get("/metrics").status, 200);
  EXPECT_EQ(client("").get("/readyz").status, 200);
  // A token with ops:read on the ops port, as configured here.
  const std::uint16_t opsPort = host_->port("ops.http");
  ASSERT_NE(opsPort, 0);
  const TestClient opsAnonymous("127.0.0.1", opsPort, "");
  const TestClient opsCaller("127.0.0.1", opsPort, "", callers_.at("ops").token);
  const TestClient opsWriter("127.0.0.1", opsPort, "", callers_.at("writer").token);
  for (const std::string path : {"/metrics", "/readyz"}) {
    expectRefusal(opsAnonymous.get(path), 401, "Unauthorized", path);
    expectRefusal(opsWriter.get(path), 403, "Forbidden", path);
    EXPECT_EQ(opsCaller.get(path).status, 200) << path;
  }
  EXPECT_EQ(opsAnonymous.get("/healthz").status, 200);
}

TEST_F(AuthEndToEnd, AnOpenApiWorksAndIsSaidAtStart) {
  startHost({"api.auth.enabled=false"});
  EXPECT_EQ(client("").post(kCreatePath, kBody).status, 200);
  EXPECT_EQ(client("").get(kHistoryPath).status, 200);
  EXPECT_NE(host_->log().find("api.auth.enabled = false: the API is open"), std::string::npos)
      << host_->log();
}

// A client certificate with the test CA's subject, signed by a CA of its
// own; in `dir`/client.pem and client.key.
void makeRogueClientCertificate(const std::string& dir) {
  const std::string script =
      "set -e; cd '" + dir +
      "'; openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=rogue CA' "
      "-addext basicConstraints=critical,CA:TRUE -keyout ca.key -out ca.pem 2>/dev/null; "
      "openssl req -newkey rsa:2048 -nodes -subj '/CN=cpe-development-client' "
      "-keyout client.key -out client.csr 2>/dev/null; "
      "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
      "-out client.pem 2>/dev/null";
  const ProgramRun run = runProgram("/bin/sh", {"-c", script}, {}, 60s);
  ASSERT_EQ(run.exitCode, 0) << run.err;
}

// Whether a request over `client` fails before any answer: the TLS
// handshake refused it.
bool refusedInHandshake(const TestClient& client, const std::string& path) {
  try {
    const HttpResult result = client.get(path);
    ADD_FAILURE() << "answered " << result.status << " " << result.body;
    return false;
  } catch (const Poco::Exception&) {
    return true;
  }
}

TEST_F(AuthEndToEnd, AClientCertificateTheCaSignsStandsForItsCaller) {
  const std::string rogue = freshDir("rogue-client");
  makeRogueClientCertificate(rogue);
  startHost({"api.tls.clientCaFile=" + certDir() + "/ca.pem",
             "api.auth.tokens.robot.certificateSubject=CN=cpe-development-client",
             "api.auth.tokens.robot.scopes=tasks:read"});
  EXPECT_EQ(withCertificate("").get(kHistoryPath).status, 200) << "no token needed";
  expectRefusal(withCertificate("").post(kCreatePath, kBody), 403, "Forbidden",
                "the robot's scopes are its caller's");
  // Certificates are optional here: tokens go on working without one.
  EXPECT_EQ(client(kSuiteToken).get(kHistoryPath).status, 200);
  expectRefusal(client("").get(kHistoryPath), 401, "Unauthorized", "neither");
  // The same subject under another CA gets no handshake, token or not.
  EXPECT_TRUE(refusedInHandshake(withCertificate(kSuiteToken, rogue), kHistoryPath));
  EXPECT_TRUE(refusedInHandshake(withCertificate("", rogue), "/healthz"));
}

TEST_F(AuthEndToEnd, ARequiredClientCertificateIsCheckedBeforeAnyRequest) {
  startHost({"api.tls.clientCaFile=" + certDir() + "/ca.pem",
             "api.tls.requireClientCertificate=true"},
            /*awaitReady=*/false);
  EXPECT_TRUE(refusedInHandshake(client(kSuiteToken), "/healthz"));
  // A certificate lets the connection in; the caller is still the token's.
  EXPECT_EQ(withCertificate(kSuiteToken).get("/healthz").status, 200);
  EXPECT_EQ(withCertificate(kSuiteToken).get(kHistoryPath).status, 200);
  expectRefusal(withCertificate("").get(kHistoryPath), 401, "Unauthorized",
                "no caller is configured for the certificate");
}

TEST_F(AuthEndToEnd, TheWorkerShowsItsCertificateToAnAThatAsksForOne) {
  const std::vector<std::string> stubAsks = {"-Dstub.tls.clientCaFile=" + certDir() + "/ca.pem",
                                             "-Dstub.tls.requireClientCertificate=true"};
  startHost({"worker.clientCertificateFile=" + certDir() + "/client.pem",
             "worker.clientKeyFile=" + certDir() + "/client.key"},
            /*awaitReady=*/true, stubAsks);
  const HttpResult posted = client(kSuiteToken).post(kCreatePath, kBody);
  ASSERT_EQ(posted.status, 200) << posted.body;
  const std::string path = kCreatePath + "/task/" + posted.json()->getValue<std::string>("taskId");
  const auto deadline = Clock::now() + 30s;
  HttpResult status = client(kSuiteToken).get(path);
  while (status.status == 202 && Clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    status = client(kSuiteToken).get(path);
  }
  EXPECT_EQ(status.body, R"({"code":200,"message":"Completed"})");

  // A worker without one never gets a request to A through.
  host_.reset();
  startHost({}, /*awaitReady=*/true);
  const HttpResult second = client(kSuiteToken).post(kCreatePath, kBody);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_TRUE(awaitLog(": call 1 failed (")) << host_->log();
  EXPECT_EQ(stub_->http().get("/stats").json()->getValue<int>("received"), 1)
      << stub_->http().get("/stats").body;
}

TEST(AuthConfiguration, AHostWithAuthenticationOnAndNoCallerDoesNotStart) {
  const ProgramRun run =
      runProgram(hostBinary(),
                 {"-Dapi.tls.certificateFile=" + certDir() + "/server.pem",
                  "-Dapi.tls.privateKeyFile=" + certDir() + "/server.key"},
                 {}, 60s);
  EXPECT_EQ(run.exitCode, 78) << "EX_CONFIG\n" << run.out << run.err;
  EXPECT_NE((run.out + run.err).find("no caller is configured"), std::string::npos)
      << run.out << run.err;
}

TEST(AuthConfiguration, NewTokenRefusesANameThatIsNoConfigKey) {
  const ProgramRun run = runProgram(hostBinary(), {"--new-token", "a.b"}, {}, 30s);
  EXPECT_EQ(run.exitCode, 64) << "EX_USAGE\n" << run.out << run.err;
  EXPECT_EQ(run.out, "");
}

}  // namespace
}  // namespace cpe::testing
