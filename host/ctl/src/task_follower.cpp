#include "task_follower.h"

#include <algorithm>
#include <thread>

namespace cpe::ctl {
namespace {

using Clock = TaskFollower::Clock;

// Answers that say "not now": asking again later may get the real one.
bool isRetryLater(int code) { return code == 429 || code == 502 || code == 503 || code == 504; }

// What one status request told: a state, a reason to ask again, or an
// answer outside the contract (`broken`).
struct Reading {
  std::optional<TaskState> state;
  std::optional<std::string> transient;
  std::optional<std::string> retryAfter;
  std::string broken;
};

Reading read(const ApiReply& reply) {
  Reading reading;
  const auto* answer = std::get_if<ApiAnswer>(&reply);
  if (answer == nullptr) {
    reading.transient = std::get<TransportError>(reply).message;
    return reading;
  }
  reading.state = readTaskState(*answer);
  if (isRetryLater(reading.state ? reading.state->code : answer->httpStatus)) {
    reading.transient = "the service answered " + describeAnswer(*answer);
    reading.retryAfter = answer->header("Retry-After");
    reading.state.reset();
  } else if (!reading.state) {
    reading.broken = "the service answered " + describeAnswer(*answer);
  }
  return reading;
}

}  // namespace

TaskFollower::Time TaskFollower::realTime() {
  return {[] { return Clock::now(); },
          [](Clock::duration pause) { std::this_thread::sleep_for(pause); }};
}

TaskFollower::TaskFollower(StatusRequest request, std::optional<std::chrono::seconds> maxWait,
                           FollowPolicy policy, Time time)
    : request_(std::move(request)), maxWait_(maxWait), policy_(policy), time_(std::move(time)) {}

Clock::duration TaskFollower::retryPause(const std::optional<std::string>& retryAfter) const {
  if (retryAfter) {
    try {
      const long seconds = std::stol(*retryAfter);
      if (seconds >= 1) {
        return std::min<Clock::duration>(std::chrono::seconds(seconds), policy_.retryPauseLimit);
      }
    } catch (const std::exception&) {
      // an HTTP date, or garbage: the default pause
    }
  }
  return policy_.retryPause;
}

int TaskFollower::waitSecondsAt(Clock::time_point now,
                                std::optional<Clock::time_point> deadline) const {
  if (!deadline) return static_cast<int>(policy_.longestWait.count());
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(*deadline - now);
  return static_cast<int>(std::clamp(left, std::chrono::seconds(1), policy_.longestWait).count());
}

FollowOutcome TaskFollower::follow(Clock::time_point since, ProgressLine& progress) const {
  std::optional<Clock::time_point> deadline;
  if (maxWait_) deadline = since + *maxWait_;
  // How it ended: `state` is the one that ended it, none when no state did.
  const auto finish = [&](ExitCode code, std::optional<TaskState> state, std::string error) {
    FollowOutcome outcome;
    outcome.exitCode = code;
    outcome.state = std::move(state);
    outcome.error = std::move(error);
    outcome.elapsed = time_.now() - since;
    return outcome;
  };
  std::optional<TaskState> lastState;
  bool asking = true;  // the first request: answered at once
  // Since when the service has failed in a row; not a std::optional, which
  // GCC 12 at -O2 takes for maybe uninitialized.
  bool failing = false;
  Clock::time_point failingSince;
  std::string lastFailure;

  while (true) {
    const Clock::time_point asked = time_.now();
    if (deadline && asked >= *deadline) {
      // Never told the state: all that is known is that the service failed.
      if (!lastState) return finish(ExitCode::kUnavailable, std::nullopt, lastFailure);
      return finish(ExitCode::kNotFinished, lastState, "");
    }
    const std::optional<int> waitSeconds =
        asking ? std::nullopt : std::optional<int>(waitSecondsAt(asked, deadline));
    asking = false;
    const Reading reading = read(request_(waitSeconds));
    const Clock::time_point answered = time_.now();
    if (!reading.broken.empty()) {
      return finish(ExitCode::kUnavailable, std::nullopt, reading.broken);
    }

    if (reading.transient) {
      lastFailure = *reading.transient;
      if (!failing) failingSince = asked;
      failing = true;
      if (answered - failingSince >= policy_.transientGrace) {
        return finish(ExitCode::kUnavailable, std::nullopt, lastFailure);
      }
      progress.show(lastFailure + "; asking again");
      Clock::duration pause = retryPause(reading.retryAfter);
      if (deadline) pause = std::max<Clock::duration>(std::min(pause, *deadline - answered), {});
      time_.sleep(pause);
      continue;
    }

    failing = false;
    const TaskState& state = *reading.state;
    if (!state.stillRunning()) {
      return finish(exitCodeForTaskCode(state.code), state,
                    state.isTaskState() ? "" : refusal(state));
    }
    lastState = state;
    progress.show(state.message);
    const Clock::duration took = answered - asked;
    if (took < policy_.shortestInterval) time_.sleep(policy_.shortestInterval - took);
  }
}

}  // namespace cpe::ctl
