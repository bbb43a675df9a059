#include "task_follower.h"

#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <deque>
#include <sstream>

namespace cpe::ctl {
namespace {

using namespace std::chrono_literals;
using Clock = TaskFollower::Clock;

// One scripted answer of the status endpoint, and how long it holds the
// request: a long-poll of a running task holds it for waitSeconds, a
// request without it 10 ms.
struct Step {
  ApiReply reply;
  std::optional<Clock::duration> holds;  // none: the whole waitSeconds
};

ApiAnswer answer(int httpStatus, const std::string& body,
                 std::map<std::string, std::string> headers = {}) {
  ApiAnswer result;
  result.httpStatus = httpStatus;
  result.body = body;
  result.headers = std::move(headers);
  try {
    result.json = Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
  } catch (const std::exception&) {
  }
  return result;
}

Step running() { return {answer(202, R"({"code":204,"message":"Task is still running"})"), {}}; }
Step runningAtOnce() {
  return {answer(202, R"({"code":204,"message":"Task is still running"})"), 10ms};
}
Step completed(Clock::duration after) {
  return {answer(200, R"({"code":200,"message":"Completed"})"), after};
}
Step unreachable() { return {TransportError{"cannot connect to B: connection refused"}, 5ms}; }

// A status endpoint and a clock that only move when the follower asks or
// sleeps: no test here waits for real.
class ScriptedService {
 public:
  explicit ScriptedService(std::deque<Step> steps) : steps_(std::move(steps)) {}

  TaskFollower follower(std::optional<std::chrono::seconds> maxWait) {
    TaskFollower::Time time{[this] { return now_; },
                            [this](Clock::duration pause) {
                              sleeps_.push_back(pause);
                              now_ += pause;
                            }};
    return TaskFollower(
        [this](std::optional<int> waitSeconds) {
          waits_.push_back(waitSeconds.value_or(0));
          asked_.push_back(now_);
          if (steps_.empty()) {
            ADD_FAILURE() << "asked once more than scripted";
            return ApiReply(TransportError{"script over"});
          }
          Step step = steps_.front();
          if (steps_.size() > 1) steps_.pop_front();
          const Clock::duration atOnce = 10ms;
          now_ += step.holds.value_or(waitSeconds ? std::chrono::seconds(*waitSeconds) : atOnce);
          return step.reply;
        },
        maxWait, FollowPolicy{}, time);
  }

  FollowOutcome follow(std::optional<std::chrono::seconds> maxWait = std::nullopt) {
    std::ostringstream sink;
    ProgressLine progress(sink, false, start_);
    return follower(maxWait).follow(start_, progress);
  }

  const std::vector<int>& waits() const { return waits_; }
  const std::vector<Clock::time_point>& asked() const { return asked_; }
  const std::vector<Clock::duration>& sleeps() const { return sleeps_; }

 private:
  std::deque<Step> steps_;
  const Clock::time_point start_ = Clock::time_point{} + 1h;
  Clock::time_point now_ = start_;
  std::vector<int> waits_;  // 0: no waitSeconds
  std::vector<Clock::time_point> asked_;
  std::vector<Clock::duration> sleeps_;
};

TEST(CtlTaskFollower, AsksAtOnceThenFollowsWithLongPollsToTheEnd) {
  ScriptedService service({running(), running(), completed(3s)});
  const FollowOutcome outcome = service.follow();
  EXPECT_EQ(outcome.exitCode, ExitCode::kOk);
  ASSERT_TRUE(outcome.state);
  EXPECT_EQ(outcome.state->message, "Completed");
  EXPECT_EQ(service.waits(), (std::vector<int>{0, 60, 60}));
  // After the first answer, to keep a second between requests; a long-poll
  // needs no pause.
  EXPECT_EQ(service.sleeps(), (std::vector<Clock::duration>{990ms}));
  EXPECT_EQ(outcome.elapsed, 64s);
}

TEST(CtlTaskFollower, MaxWaitShortensTheLastLongPollAndEndsNotFinished) {
  ScriptedService service({running()});
  const FollowOutcome outcome = service.follow(90s);
  EXPECT_EQ(outcome.exitCode, ExitCode::kNotFinished);
  ASSERT_TRUE(outcome.state);
  EXPECT_TRUE(outcome.state->stillRunning());
  EXPECT_EQ(service.waits(), (std::vector<int>{0, 60, 29}));
  EXPECT_EQ(outcome.elapsed, 90s);
}

TEST(CtlTaskFollower, AMaxWaitOfASecondStillAsks) {
  ScriptedService service({running()});
  const FollowOutcome outcome = service.follow(1s);
  EXPECT_EQ(outcome.exitCode, ExitCode::kNotFinished);
  EXPECT_EQ(service.waits(), (std::vector<int>{0}));
  EXPECT_EQ(outcome.elapsed, 1s);
}

TEST(CtlTaskFollower, TheLastLongPollWaitsOnlyWhatIsLeft) {
  ScriptedService service({running()});
  const FollowOutcome outcome = service.follow(2s);
  EXPECT_EQ(outcome.exitCode, ExitCode::kNotFinished);
  EXPECT_EQ(service.waits(), (std::vector<int>{0, 1}));
  EXPECT_EQ(outcome.elapsed, 2s);
}

TEST(CtlTaskFollower, AStillRunningAnsweredAtOnceIsNotAskedAgainWithinASecond) {
  // A host at its cap of waiting requests answers at once: no busy loop.
  ScriptedService service({runningAtOnce(), runningAtOnce(), runningAtOnce(), completed(10ms)});
  const FollowOutcome outcome = service.follow();
  EXPECT_EQ(outcome.exitCode, ExitCode::kOk);
  ASSERT_EQ(service.asked().size(), 4u);
  for (std::size_t i = 1; i < service.asked().size(); ++i) {
    EXPECT_GE(service.asked()[i] - service.asked()[i - 1], 1s) << i;
  }
}

TEST(CtlTaskFollower, TerminalStatesEndAtOnceWithTheirCodes) {
  ScriptedService notFound(
      {{answer(404, R"({"code":404,"message":"The requested task is not found"})"), 5ms}});
  EXPECT_EQ(notFound.follow().exitCode, ExitCode::kNotFound);
  ScriptedService failed(
      {running(),
       {answer(500, R"({"code":500,"message":"Internal provisioning exception"})"), 1s}});
  const FollowOutcome outcome = failed.follow();
  EXPECT_EQ(outcome.exitCode, ExitCode::kFailed);
  EXPECT_EQ(outcome.state->message, "Internal provisioning exception");
  EXPECT_TRUE(outcome.error.empty());
}

TEST(CtlTaskFollower, ARefusalEndsWithWhatTheServiceSaid) {
  ScriptedService service({{answer(401, R"({"code":401,"message":"Unauthorized"})"), 5ms}});
  const FollowOutcome outcome = service.follow();
  EXPECT_EQ(outcome.exitCode, ExitCode::kRefused);
  EXPECT_EQ(outcome.error, "the service answered 401 Unauthorized");
}

TEST(CtlTaskFollower, AnAnswerOutsideTheContractEndsUnavailable) {
  ScriptedService service({{answer(200, "<html>login</html>"), 5ms}});
  const FollowOutcome outcome = service.follow();
  EXPECT_EQ(outcome.exitCode, ExitCode::kUnavailable);
  EXPECT_FALSE(outcome.state);
  EXPECT_EQ(outcome.error, "the service answered HTTP 200 without the contract's JSON answer");
}

TEST(CtlTaskFollower, NoAnswerOrNotNowIsAskedAgainWithinTheGrace) {
  ScriptedService service(
      {unreachable(),
       {answer(503, R"({"code":503,"message":"Service temporarily unavailable"})",
               {{"retry-after", "3"}}),
        5ms},
       {answer(429, R"({"code":429,"message":"Too many requests"})", {{"retry-after", "3600"}}),
        5ms},
       {answer(502, "<html>proxy</html>"), 5ms},
       completed(1s)});
  const FollowOutcome outcome = service.follow();
  EXPECT_EQ(outcome.exitCode, ExitCode::kOk);
  // The default pause, Retry-After, Retry-After capped, the default again.
  EXPECT_EQ(service.sleeps(), (std::vector<Clock::duration>{2s, 3s, 10s, 2s}));
}

TEST(CtlTaskFollower, AServiceUnreachablePastTheGraceEndsUnavailable) {
  ScriptedService service({running(), unreachable()});
  const FollowOutcome outcome = service.follow();
  EXPECT_EQ(outcome.exitCode, ExitCode::kUnavailable);
  EXPECT_EQ(outcome.error, "cannot connect to B: connection refused");
  EXPECT_FALSE(outcome.state) << "the running state told a minute ago is stale";
  const auto failingFor = outcome.elapsed - 1s;  // the first answer, then a second's pause
  EXPECT_GE(failingFor, 30s);
  EXPECT_LT(failingFor, 33s);
}

TEST(CtlTaskFollower, NeverToldTheStateBeforeMaxWaitIsUnavailableNotTimedOut) {
  ScriptedService service({unreachable()});
  const FollowOutcome outcome = service.follow(5s);
  EXPECT_EQ(outcome.exitCode, ExitCode::kUnavailable);
  EXPECT_EQ(outcome.error, "cannot connect to B: connection refused");
  EXPECT_LE(outcome.elapsed, 5s + 10ms);
}

}  // namespace
}  // namespace cpe::ctl
