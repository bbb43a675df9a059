// cpe-ctl, the real binary, against real cpe-stub-a, cpe-host and RabbitMQ
// processes (SQLite store): posting and following tasks to each of their
// ends, exit codes, --json, history paging, every status-line policy, and
// what it sends (a bearer token, the password) to an API the test records.
// Each test has queues and files of its own.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "cpe/sdk/mutex.h"
#include "https_client.h"
#include "password_leaks.h"
#include "program_run.h"
#include "running_services.h"
#include "test_paths.h"

namespace cpe::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kToken = "ctl-token-never-shown";
// cpe-ctl's exit codes (host/ctl/src/exit_codes.h, README "cpe-ctl").
constexpr int kOk = 0;
constexpr int kUsage = 2;
constexpr int kNotFound = 3;
constexpr int kFailed = 4;
constexpr int kNotFinished = 5;
constexpr int kRefused = 6;
constexpr int kUnavailable = 7;
// Long enough for an ASan build on a loaded machine; a passing run is far
// quicker (the stubs here answer within 2 s).
constexpr auto kRunLimit = 120s;
const std::regex kTaskId("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

Poco::JSON::Object::Ptr jsonOf(const std::string& text) {
  return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

// How a run went, for failure messages.
std::string shown(const ProgramRun& run) {
  return "exit " + std::to_string(run.exitCode) + "\n--- stdout:\n" + run.out + "--- stderr:\n" +
         run.err;
}

class CtlEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = freshDir("ctl");
    passwordFile_ = dir_ + "/password";
    std::ofstream(passwordFile_) << kSuiteDevicePassword << "\n";
  }

  void TearDown() override {
    // Nothing cpe-ctl printed, on either stream, holds a secret.
    for (const ProgramRun& run : runs_) {
      EXPECT_EQ(run.out.find(kSuiteDevicePassword), std::string::npos) << shown(run);
      EXPECT_EQ(run.err.find(kSuiteDevicePassword), std::string::npos) << shown(run);
      EXPECT_EQ(run.out.find(kToken), std::string::npos) << shown(run);
      EXPECT_EQ(run.err.find(kToken), std::string::npos) << shown(run);
      EXPECT_EQ(run.out.find(kSuiteToken), std::string::npos) << shown(run);
      EXPECT_EQ(run.err.find(kSuiteToken), std::string::npos) << shown(run);
    }
    host_.reset();
    stub_.reset();
    deleteQueues(queues_);
  }

  // A stub answering after `stubDelay` s and a host over SQLite and
  // RabbitMQ with `defines` on top.
  void startSystem(double stubDelay, std::vector<std::string> defines = {}) {
    stub_ = std::make_unique<RunningStub>(stubDelay);
    startHost(stub_->httpsPort(), std::move(defines));
  }

  // A host that stores tasks but runs no worker: they stay queued.
  void startHostWithoutWorker(std::vector<std::string> defines = {}) {
    defines.push_back("host.roles=api,results");
    startHost(1, std::move(defines));  // port 1: A is never called
  }

  void startHost(std::uint16_t stubPort, std::vector<std::string> defines) {
    auto all = backendDefines({"sqlite", "rabbitmq"}, queues_, dir_);
    all.insert(all.end(), defines.begin(), defines.end());
    host_ = std::make_unique<RunningHost>(freshDir("ctl-host"), stubPort, all);
    url_ = "https://127.0.0.1:" + std::to_string(host_->port("https"));
  }

  // cpe-ctl with `args`, pointed at the host by CPE_URL and CPE_CA_FILE
  // unless `environment` says otherwise.
  ProgramRun ctl(const std::vector<std::string>& args,
                 std::map<std::string, std::string> environment = {}) {
    environment.emplace("CPE_URL", url_);
    environment.emplace("CPE_CA_FILE", certDir() + "/ca.pem");
    environment.emplace("CPE_TOKEN", kSuiteToken);
    runs_.push_back(runProgram(ctlBinary(), args, environment, kRunLimit));
    return runs_.back();
  }

  // A task posted with cpe-ctl and nothing more; its id.
  std::string post(const std::string& device) {
    const ProgramRun run = ctl({"post", device, "--username", "admin", "--password-file",
                                passwordFile_, "--interface", "1", "--timeout", "14"});
    EXPECT_EQ(run.exitCode, kOk) << shown(run);
    const auto lines = linesOf(run.out);
    EXPECT_EQ(lines.size(), 1u) << shown(run);
    return lines.empty() ? "" : lines.front();
  }

  std::vector<std::string> postAndWait(const std::string& device) {
    return {"post",        device,   "--username", "admin",       "--password-file",
            passwordFile_, "--vlan", "534",        "--interface", "1,2",
            "--interface", "3",      "--timeout",  "14",          "--wait"};
  }

  QueueNames queues_ = QueueNames::unique();
  std::string dir_;
  std::string passwordFile_;
  std::string url_;
  std::unique_ptr<RunningStub> stub_;
  std::unique_ptr<RunningHost> host_;
  std::vector<ProgramRun> runs_;
};

TEST_F(CtlEndToEnd, PostWithWaitFollowsTheTaskToCompletedAndExitsZero) {
  startSystem(2.0);
  const ProgramRun run = ctl(postAndWait("ABC123"));
  ASSERT_EQ(run.exitCode, kOk) << shown(run);
  const auto lines = linesOf(run.out);
  ASSERT_EQ(lines.size(), 2u) << shown(run);
  EXPECT_TRUE(std::regex_match(lines[0], kTaskId)) << lines[0];
  EXPECT_TRUE(std::regex_match(lines[1], std::regex(R"(^Completed \(\d+ s\)$)"))) << lines[1];
  EXPECT_EQ(run.err, "") << "no live line when stderr is no terminal";
  // The long-poll answered when the task ended, not when its 60 s were up.
  EXPECT_LT(run.took, 50s);
  EXPECT_EQ(host_->api().get("/api/v1/equipment/cpe/ABC123/task/" + lines[0]).body,
            R"({"code":200,"message":"Completed"})");
  // A was called once, and answered.
  EXPECT_EQ(stub_->stats()->getObject("answered")->getValue<int>("200"), 1);
}

TEST_F(CtlEndToEnd, JsonPrintsOnlyTheFinalAnswerForScripts) {
  startSystem(0.5);
  std::vector<std::string> args = postAndWait("ABC123");
  args.push_back("--json");
  const ProgramRun waited = ctl(args);
  ASSERT_EQ(waited.exitCode, kOk) << shown(waited);
  ASSERT_EQ(linesOf(waited.out).size(), 1u) << shown(waited);
  const auto answer = jsonOf(waited.out);
  const std::string taskId = answer->getValue<std::string>("taskId");
  EXPECT_TRUE(std::regex_match(taskId, kTaskId)) << waited.out;
  EXPECT_EQ(waited.out, R"({"taskId":")" + taskId +
                            R"(","code":200,"message":"Completed"})"
                            "\n");

  const ProgramRun status = ctl({"status", "ABC123", taskId, "--json"});
  EXPECT_EQ(status.exitCode, kOk) << shown(status);
  EXPECT_EQ(status.out, waited.out);

  const ProgramRun posted =
      ctl({"post", "ABC123", "--json", "--username", "admin", "--password-env", "DEVICE_PASSWORD",
           "--interface", "1", "--timeout", "14"},
          {{"DEVICE_PASSWORD", kSuiteDevicePassword}});
  EXPECT_EQ(posted.exitCode, kOk) << shown(posted);
  EXPECT_EQ(jsonOf(posted.out)->getValue<int>("code"), 200);
  EXPECT_TRUE(std::regex_match(jsonOf(posted.out)->getValue<std::string>("taskId"), kTaskId));
}

TEST_F(CtlEndToEnd, TasksThatAFailsOrDoesNotKnowEndWithTheirOwnCodes) {
  startSystem(0.5);
  const ProgramRun failed = ctl(postAndWait(kFailingDevice));
  EXPECT_EQ(failed.exitCode, kFailed) << shown(failed);
  ASSERT_EQ(linesOf(failed.out).size(), 2u) << shown(failed);
  EXPECT_TRUE(std::regex_match(linesOf(failed.out)[1],
                               std::regex(R"(^Internal provisioning exception \(\d+ s\)$)")))
      << shown(failed);

  const ProgramRun unknown = ctl(postAndWait("UNKNOWN99"));  // the stub knows no such device
  EXPECT_EQ(unknown.exitCode, kNotFound) << shown(unknown);
  ASSERT_EQ(linesOf(unknown.out).size(), 2u) << shown(unknown);
  EXPECT_EQ(linesOf(unknown.out)[1].rfind("The requested equipment is not found (", 0), 0u)
      << shown(unknown);
}

TEST_F(CtlEndToEnd, AnUnknownTaskOrDeviceIsNotFound) {
  startHostWithoutWorker();
  const std::string noTask = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
  const ProgramRun status = ctl({"status", "ABC123", noTask});
  EXPECT_EQ(status.exitCode, kNotFound) << shown(status);
  EXPECT_EQ(status.out, "The requested task is not found\n");
  const ProgramRun waited = ctl({"status", "ABC123", noTask, "--wait"});
  EXPECT_EQ(waited.exitCode, kNotFound) << shown(waited);
  EXPECT_LT(waited.took, 30s) << "not found is answered at once, not after a long-poll";
  const std::string taskId = post("ABC123");
  const ProgramRun otherDevice = ctl({"status", "GOOD01", taskId});
  EXPECT_EQ(otherDevice.exitCode, kNotFound) << shown(otherDevice);
  // An id that is no device id: the service, not cpe-ctl, judges it.
  const ProgramRun badDevice = ctl({"status", "AB-1", taskId});
  EXPECT_EQ(badDevice.exitCode, kNotFound) << shown(badDevice);
  EXPECT_EQ(badDevice.out, "The requested equipment is not found\n");
}

TEST_F(CtlEndToEnd, MaxWaitShorterThanTheTaskEndsNotFinished) {
  startSystem(60.0);  // A holds every call for a minute, as the brief's A does
  std::vector<std::string> args = postAndWait("ABC123");
  args.insert(args.end(), {"--max-wait", "2", "--json"});
  const ProgramRun run = ctl(args);
  EXPECT_EQ(run.exitCode, kNotFinished) << shown(run);
  EXPECT_GE(run.took, 2s);
  EXPECT_LT(run.took, 30s);
  const auto answer = jsonOf(run.out);
  EXPECT_EQ(answer->getValue<int>("code"), 204);
  EXPECT_EQ(answer->getValue<std::string>("message"), "Task is still running");

  const std::string taskId = answer->getValue<std::string>("taskId");
  const ProgramRun once = ctl({"status", "ABC123", taskId});
  EXPECT_EQ(once.exitCode, kNotFinished) << shown(once);
  EXPECT_EQ(once.out, "Task is still running\n");
  const ProgramRun human = ctl({"status", "ABC123", taskId, "--wait", "--max-wait", "1"});
  EXPECT_EQ(human.exitCode, kNotFinished) << shown(human);
  EXPECT_TRUE(std::regex_match(
      human.out,
      std::regex(R"(^Task is still running: stopped waiting after \d+ s \(--max-wait\)\n$)")))
      << shown(human);
}

TEST_F(CtlEndToEnd, HistoryListsEveryPageNewestFirst) {
  startHostWithoutWorker();
  std::vector<std::string> posted;
  for (int i = 0; i < 5; ++i) posted.push_back(post("GOOD01"));
  const std::vector<std::string> newestFirst(posted.rbegin(), posted.rend());
  post("ABC123");  // another device's task is never listed

  const ProgramRun all = ctl({"history", "GOOD01", "--limit", "2", "--all", "--json"});
  ASSERT_EQ(all.exitCode, kOk) << shown(all);
  const auto tasks = jsonOf(all.out)->getArray("tasks");
  ASSERT_FALSE(tasks.isNull()) << all.out;
  std::vector<std::string> listed;
  for (std::size_t i = 0; i < tasks->size(); ++i) {
    listed.push_back(tasks->getObject(static_cast<unsigned>(i))->getValue<std::string>("taskId"));
  }
  EXPECT_EQ(listed, newestFirst);
  EXPECT_FALSE(jsonOf(all.out)->has("next"));

  // Page by page by hand: the service's own answers, `next` to `after`.
  std::vector<std::string> paged;
  std::vector<std::string> query{"history", "GOOD01", "--limit", "2", "--json"};
  for (int page = 0; page < 5; ++page) {
    const ProgramRun run = ctl(query);
    ASSERT_EQ(run.exitCode, kOk) << shown(run);
    const auto answer = jsonOf(run.out);
    const auto pageTasks = answer->getArray("tasks");
    for (std::size_t i = 0; i < pageTasks->size(); ++i) {
      paged.push_back(
          pageTasks->getObject(static_cast<unsigned>(i))->getValue<std::string>("taskId"));
    }
    if (!answer->has("next")) break;
    query = {"history",
             "GOOD01",
             "--limit",
             "2",
             "--json",
             "--after",
             answer->getValue<std::string>("next")};
  }
  EXPECT_EQ(paged, newestFirst);

  // For a person: a header, a row per task, and where the next page starts.
  const ProgramRun firstPage = ctl({"history", "GOOD01", "--limit", "2"});
  EXPECT_EQ(firstPage.exitCode, kOk) << shown(firstPage);
  const auto rows = linesOf(firstPage.out);
  ASSERT_EQ(rows.size(), 3u) << shown(firstPage);
  EXPECT_EQ(rows[0].rfind("CREATED", 0), 0u) << rows[0];
  EXPECT_NE(rows[1].find(newestFirst[0]), std::string::npos) << rows[1];
  EXPECT_NE(rows[1].find("queued"), std::string::npos) << rows[1];
  EXPECT_NE(firstPage.err.find("--after "), std::string::npos) << shown(firstPage);
  const ProgramRun everything = ctl({"history", "GOOD01", "--all"});
  EXPECT_EQ(linesOf(everything.out).size(), 6u) << shown(everything);

  const ProgramRun empty = ctl({"history", "NOTASKS1"});
  EXPECT_EQ(empty.exitCode, kOk) << shown(empty);
  EXPECT_EQ(empty.out, "no tasks for NOTASKS1\n");
  const ProgramRun badCursor = ctl({"history", "GOOD01", "--after", "garbage"});
  EXPECT_EQ(badCursor.exitCode, kRefused) << shown(badCursor);
  EXPECT_NE(badCursor.err.find("after must be a cursor given as next"), std::string::npos)
      << shown(badCursor);
}

TEST_F(CtlEndToEnd, ARefusedPostSaysWhyAndCreatesNothing) {
  startHostWithoutWorker();
  const ProgramRun refused =
      ctl({"post", "ABC123", "--username", "admin", "--password-file", passwordFile_, "--interface",
           "1", "--timeout", "14", "--vlan", "5000"});
  EXPECT_EQ(refused.exitCode, kRefused) << shown(refused);
  EXPECT_EQ(refused.out, "");
  EXPECT_EQ(refused.err,
            "cpe-ctl: no task created: 400 parameters.vlan must be an integer from 1 to 4094\n");
  const ProgramRun usage = ctl({"post", "ABC123", "--username", "admin", "--timeout", "14"});
  EXPECT_EQ(usage.exitCode, kUsage) << shown(usage);
  EXPECT_EQ(ctl({"history", "ABC123", "--json"}).out, "{\"code\":200,\"tasks\":[]}\n");
}

TEST_F(CtlEndToEnd, APostRepeatedWithItsIdempotencyKeyGetsTheFirstTask) {
  startHostWithoutWorker();
  const std::vector<std::string> args{
      "post",        "ABC123", "--username", "admin", "--password-file",   passwordFile_,
      "--interface", "1",      "--timeout",  "14",    "--idempotency-key", "ctl-retry-1"};
  const ProgramRun first = ctl(args);
  const ProgramRun again = ctl(args);
  EXPECT_EQ(first.exitCode, kOk) << shown(first);
  EXPECT_EQ(again.exitCode, kOk) << shown(again);
  EXPECT_EQ(again.out, first.out) << "the same task id";
  EXPECT_EQ(first.err, "");
  EXPECT_EQ(again.err, "cpe-ctl: an earlier POST with this Idempotency-Key created this task\n");
}

TEST_F(CtlEndToEnd, AnUnreachableOrUntrustedServiceIsUnavailable) {
  const ProgramRun closed = runProgram(
      ctlBinary(), {"status", "ABC123", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"},
      {{"CPE_URL", "https://127.0.0.1:" + std::to_string(freeLoopbackPort())}}, kRunLimit);
  EXPECT_EQ(closed.exitCode, kUnavailable) << shown(closed);
  EXPECT_NE(closed.err.find("connection refused"), std::string::npos) << shown(closed);

  startHostWithoutWorker();
  // The test CA is not among the system's: the host's certificate is not trusted.
  const ProgramRun untrusted =
      runProgram(ctlBinary(), {"history", "ABC123"}, {{"CPE_URL", url_}}, kRunLimit);
  EXPECT_EQ(untrusted.exitCode, kUnavailable) << shown(untrusted);
  EXPECT_NE(untrusted.err.find("TLS"), std::string::npos) << shown(untrusted);
}

// The status-line policy changes the HTTP status lines, never what cpe-ctl
// reads from them.
class CtlStatusLinePolicies : public CtlEndToEnd,
                              public ::testing::WithParamInterface<std::string> {};

TEST_P(CtlStatusLinePolicies, ReadTheSameStates) {
  startHostWithoutWorker({"api.statusLinePolicy=" + GetParam()});
  const std::string taskId = post("ABC123");
  ASSERT_TRUE(std::regex_match(taskId, kTaskId)) << taskId;
  const ProgramRun running = ctl({"status", "ABC123", taskId, "--json"});
  EXPECT_EQ(running.exitCode, kNotFinished) << shown(running);
  EXPECT_EQ(running.out, R"({"taskId":")" + taskId +
                             R"(","code":204,"message":"Task is still running"})"
                             "\n");
  const ProgramRun waited = ctl({"status", "ABC123", taskId, "--wait", "--max-wait", "1"});
  EXPECT_EQ(waited.exitCode, kNotFinished) << shown(waited);
  const ProgramRun unknown = ctl({"status", "ABC123", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"});
  EXPECT_EQ(unknown.exitCode, kNotFound) << shown(unknown);
  const ProgramRun refused = ctl({"post", "ABC123", "--username", "admin", "--password-file",
                                  passwordFile_, "--interface", "1", "--timeout", "0"});
  EXPECT_EQ(refused.exitCode, kRefused) << shown(refused);
  publishRaw(queues_.results,
             R"({"version":1,"taskId":")" + taskId +
                 R"(","equipmentId":"ABC123","status":"completed","code":200,)"
                 R"("message":"success","attempts":1,"finishedAt":"2026-11-28T22:10:00.000Z"})");
  const ProgramRun completed = ctl({"status", "ABC123", taskId, "--wait"});
  EXPECT_EQ(completed.exitCode, kOk) << shown(completed);
  EXPECT_TRUE(std::regex_match(completed.out, std::regex(R"(^Completed \(\d+ s\)\n$)")))
      << shown(completed);
}

INSTANTIATE_TEST_SUITE_P(Policies, CtlStatusLinePolicies,
                         ::testing::Values("mirror", "bare204", "envelope"),
                         [](const auto& param) { return param.param; });

// An API in the test process that records each request and answers as B
// would: the task posted, every status 401. Plain HTTP on loopback.
class RecordingApi {
 public:
  struct Request {
    std::string method;
    std::string uri;
    std::map<std::string, std::string> headers;
    std::string body;
  };

  RecordingApi() : server_(new Factory(*this), Poco::Net::ServerSocket(0), params()) {
    server_.start();
  }
  ~RecordingApi() { server_.stopAll(true); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }
  std::vector<Request> requests() const {
    MutexLock lock(mutex_);
    return requests_;
  }

 private:
  class Handler final : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(RecordingApi& api) : api_(api) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
      Request recorded{request.getMethod(), request.getURI(), {}, {}};
      for (const auto& [name, value] : request) recorded.headers[name] = value;
      std::ostringstream body;
      Poco::StreamCopier::copyStream(request.stream(), body);
      recorded.body = body.str();
      {
        MutexLock lock(api_.mutex_);
        api_.requests_.push_back(recorded);
      }
      response.setContentType("application/json");
      if (request.getMethod() == "POST") {
        response.send() << R"({"code":200,"taskId":"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"})";
        return;
      }
      response.setStatus(Poco::Net::HTTPResponse::HTTP_UNAUTHORIZED);
      response.set("WWW-Authenticate", "Bearer");
      response.send() << R"({"code":401,"message":"Unauthorized"})";
    }

   private:
    RecordingApi& api_;
  };
  class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(RecordingApi& api) : api_(api) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
      return new Handler(api_);
    }

   private:
    RecordingApi& api_;
  };
  static Poco::Net::HTTPServerParams::Ptr params() {
    Poco::Net::HTTPServerParams::Ptr result = new Poco::Net::HTTPServerParams;
    result->setKeepAlive(false);
    return result;
  }

  mutable Mutex mutex_;
  std::vector<Request> requests_ CPE_GUARDED_BY(mutex_);
  Poco::Net::HTTPServer server_;
};

TEST_F(CtlEndToEnd, SendsTheTokenAsBearerAndTheRequestAsTheFlagsSay) {
  RecordingApi api;
  url_ = api.url();
  const std::string tokenFile = dir_ + "/token";
  std::ofstream(tokenFile) << kToken << "\n";

  const ProgramRun fromFile =
      ctl({"post", "ABC123", "--token-file", tokenFile, "--username", "admin", "--password-env",
           "DEVICE_PASSWORD", "--vlan", "534", "--interface", "1,2", "--timeout", "14",
           "--idempotency-key", "retry-7"},
          {{"DEVICE_PASSWORD", kSuiteDevicePassword}});
  EXPECT_EQ(fromFile.exitCode, kOk) << shown(fromFile);
  const ProgramRun fromEnvironment =
      ctl({"status", "ABC123", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"}, {{"CPE_TOKEN", kToken}});
  EXPECT_EQ(fromEnvironment.exitCode, kRefused) << shown(fromEnvironment);
  EXPECT_EQ(fromEnvironment.err, "cpe-ctl: the service answered 401 Unauthorized\n");
  const ProgramRun without = ctl({"history", "ABC123"}, {{"CPE_TOKEN", ""}});
  EXPECT_EQ(without.exitCode, kRefused) << shown(without);
  // Refused before anything is sent: no request reaches the API.
  const ProgramRun usage = ctl({"post", "ABC123", "--token", kToken, "--vlan", "x"});
  EXPECT_EQ(usage.exitCode, kUsage) << shown(usage);

  const auto requests = api.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].uri, "/api/v1/equipment/cpe/ABC123");
  EXPECT_EQ(requests[0].headers.at("Authorization"), std::string("Bearer ") + kToken);
  EXPECT_EQ(requests[0].headers.at("Idempotency-Key"), "retry-7");
  EXPECT_EQ(requests[0].body,
            std::string(R"({"timeoutInSeconds":14,"parameters":{"username":"admin","password":")") +
                kSuiteDevicePassword + R"(","vlan":534,"interfaces":[1,2]}})");
  EXPECT_EQ(requests[1].uri,
            "/api/v1/equipment/cpe/ABC123/task/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
  EXPECT_EQ(requests[1].headers.at("Authorization"), std::string("Bearer ") + kToken);
  EXPECT_EQ(requests[2].uri, "/api/v1/equipment/cpe/ABC123/tasks");
  EXPECT_EQ(requests[2].headers.count("Authorization"), 0u) << "no token, no header";
}

}  // namespace
}  // namespace cpe::testing
