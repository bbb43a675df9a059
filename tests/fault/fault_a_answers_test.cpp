// Service A answering badly: too slowly for the per-call timeout, with
// garbage, with a status it never uses, by closing the connection mid-answer,
// a byte at a time, or behind a certificate the host does not trust. Each task must end with
// the right outcome, and the host's log must say why. One durable pairing.
#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

#include "fault_fixture.h"
#include "test_paths.h"

namespace cpe::testing {
namespace {

constexpr int kTasks = 20;
// Outlasts the workers' circuit breaker (open 5 s after 5 failed calls by
// default), so its probe runs before the tasks give up.
const std::string kBudgetPastTheBreaker = "worker.retryBudgetSeconds=8";
// For the tests that show each failed call retried: with the breaker on, the
// tasks that arrive after it opens may never call A, and its one probe may be
// a first call, so whether any call is retried would hang on the timing. The
// breaker has tests of its own (worker_resilience_test.cpp). The first
// backoff is at most 1 s (full jitter), well within the budget: each task
// calls A at least twice.
const std::vector<std::string> kEveryCallRetried = {"worker.breakerFailureThreshold=0",
                                                    "worker.retryBudgetSeconds=8"};

class AAnswerFault : public FaultTest {
 protected:
  // Posts kTasks and accounts for them: each must end with `expectedStatus`.
  std::vector<PostedTask> runTasks(const std::string& scenario, RunningHost& host,
                                   int expectedStatus) {
    const PostOutcome posted = postTasks(host.api(), kTasks, 8);
    EXPECT_EQ(posted.accepted.size(), static_cast<std::size_t>(kTasks));
    account(scenario, posted.accepted, host.api(), expectedStatus);
    return posted.accepted;
  }

  // Every task gave up with a reason, and the log names the cause (with a
  // circuit breaker, later tasks may cite the open breaker instead).
  static void expectGaveUpNaming(const std::string& log, const std::vector<PostedTask>& tasks,
                                 const std::string& cause) {
    const auto gaveUp = countTaskLines({log}, "task ([0-9a-f-]{36}): giving up after");
    EXPECT_EQ(gaveUp.size(), tasks.size()) << "every failed task must say why";
    const auto named = countTaskLines(
        {log},
        "task ([0-9a-f-]{36}): giving up after [0-9]+ call\\(s\\): [^\\n]*(?:" + cause + ")");
    EXPECT_FALSE(named.empty()) << "no line names the cause '" << cause << "'; log:\n"
                                << log.substr(0, 4000);
  }

  // Every task called A more than once before it gave up, and A saw it.
  void expectEachTaskRetried(const std::string& log, const std::vector<PostedTask>& tasks) {
    const auto retried =
        countTaskLines({log}, "task ([0-9a-f-]{36}): giving up after (?:[2-9]|[1-9][0-9]+) call");
    EXPECT_EQ(retried.size(), tasks.size()) << "a task gave up after one call; log:\n"
                                            << log.substr(0, 4000);
    EXPECT_GE(stub_->stats()->getValue<int>("received"), 2 * kTasks) << "A saw too few calls";
  }
};

TEST_F(AAnswerFault, ASlowerThanTheCallTimeoutIsRetriedThenFailsWithinTheBudget) {
  stub_ = startStub(2.5);
  std::vector<std::string> options = kEveryCallRetried;
  options.push_back("worker.callTimeoutSeconds=1");
  auto host = startHost("host", options);
  const auto tasks = runTasks("A slower than the call timeout", *host, 500);
  expectGaveUpNaming(host->log(), tasks, "[Tt]ime");
  expectEachTaskRetried(host->log(), tasks);
}

TEST_F(AAnswerFault, AGarbageAnswerIsNeverTakenForSuccess) {
  stub_ = startStub(0.2, {"-Dstub.faultMode=garbage"});
  auto host = startHost("host");
  runTasks("A answers 200 with garbage", *host, 500);
  EXPECT_EQ(host->log().find(": completed 200"), std::string::npos);
}

TEST_F(AAnswerFault, AnUnexpectedStatusFromAFailsTheTask) {
  stub_ = startStub(0.2, {"-Dstub.faultMode=badStatus"});
  auto host = startHost("host");
  const auto tasks = runTasks("A answers an unexpected status", *host, 500);
  const auto failed =
      countTaskLines({host->log()}, "task ([0-9a-f-]{36}) for DEV[0-9]+: failed [0-9]+ after");
  EXPECT_EQ(failed.size(), tasks.size()) << host->log().substr(0, 4000);
}

TEST_F(AAnswerFault, AConnectionClosedMidAnswerIsRetriedThenFails) {
  stub_ = startStub(0.2, {"-Dstub.faultMode=close"});
  auto host = startHost("host", kEveryCallRetried);
  const auto tasks = runTasks("A closes the connection mid-answer", *host, 500);
  EXPECT_EQ(host->log().find(": completed 200"), std::string::npos);
  expectEachTaskRetried(host->log(), tasks);
}

TEST_F(AAnswerFault, AConnectionClosedWithoutAnAnswerIsRetriedThenFails) {
  stub_ = startStub(0.2, {"-Dstub.faultMode=drop"});
  auto host = startHost("host", kEveryCallRetried);
  const auto tasks = runTasks("A closes the connection unanswered", *host, 500);
  // Poco: "No message received"; OpenSSL: "unexpected eof while reading".
  expectGaveUpNaming(host->log(), tasks, "[Nn]o message|eof|[Cc]onnection");
  expectEachTaskRetried(host->log(), tasks);
}

// Each byte of the answer comes well within the socket timeout; the whole
// takes about 20 s. Bounded per socket wait only, the first call would end
// with A's 200; bounded as a whole, each call is cut at 2 s and the task
// gives up when its budget is spent.
TEST_F(AAnswerFault, AnAnswerDrippedPastTheCallTimeoutIsCutShortAndRetried) {
  stub_ = startStub(0.2, {"-Dstub.faultMode=drip"});
  auto host = startHost("host", {"worker.callTimeoutSeconds=2", kBudgetPastTheBreaker});
  const auto tasks = runTasks("A drips its answer past the call timeout (cut, 500)", *host, 500);
  EXPECT_EQ(host->log().find(": completed 200"), std::string::npos);
  expectGaveUpNaming(host->log(), tasks, "within the call timeout");
}

TEST_F(AAnswerFault, AnUntrustedCertificateFailsEveryTaskNamingTheCertificate) {
  // A CA of its own that never signed the stub's certificate.
  const std::string otherCa = certDir() + "/untrusted";
  const std::string generate =
      std::string(CPE_SOURCE_DIR) + "/config/gen-dev-certs.sh '" + otherCa + "' >/dev/null";
  ASSERT_EQ(std::system(generate.c_str()), 0);
  stub_ = startStub(0.2);
  auto host = startHost("host", {"worker.caFile=" + otherCa + "/ca.pem"});
  const auto tasks = runTasks("A presents an untrusted certificate", *host, 500);
  expectGaveUpNaming(host->log(), tasks, "[Cc]ertificate");
  EXPECT_EQ(stub_->stats()->getObject("answered")->size(), 0u) << "A was asked for nothing";
}

}  // namespace
}  // namespace cpe::testing
