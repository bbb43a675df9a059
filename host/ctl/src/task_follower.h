#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "api_client.h"
#include "exit_codes.h"
#include "progress_line.h"
#include "task_state.h"

namespace cpe::ctl {

// How --wait follows a task.
struct FollowPolicy {
  // The longest waitSeconds the contract allows: each request waits on the
  // service up to this long, so a task is asked about about once a minute
  // while it runs, and at once when it ends.
  std::chrono::seconds longestWait{60};
  // Requests start at least this far apart: a service that answers "still
  // running" at once (its cap on waiting requests reached, or stopping)
  // is asked once a second, not in a busy loop.
  std::chrono::milliseconds shortestInterval{1000};
  // No answer, or a "not now" (429, 502-504), is asked again after
  // Retry-After (at most retryPauseLimit) or retryPause, for at most this
  // long in a row: a host restarting behind the URL does not end the wait.
  std::chrono::seconds transientGrace{30};
  std::chrono::seconds retryPause{2};
  std::chrono::seconds retryPauseLimit{10};
};

// How following ended.
struct FollowOutcome {
  ExitCode exitCode = ExitCode::kInternal;
  // The state that ended it: terminal, a refusal (401, 400...), or still
  // running when maxWait passed. None when it ended for want of an answer
  // (then the state last told, if any, is stale and not shown).
  std::optional<TaskState> state;
  // Why it ended, for a person, unless a task state ended it.
  std::string error;
  std::chrono::steady_clock::duration elapsed{};
};

// Follows one task until it is terminal, maxWait has
// passed (then kNotFinished, within a second of it) or the service stays
// unreachable past the policy's grace (kUnavailable). The first request is
// answered at once, so that `progress` shows the task's state from the
// start; the next are long-polls. Shows each state on `progress`. Time is injected so that tests
// need not wait.
class TaskFollower {
 public:
  using Clock = std::chrono::steady_clock;
  // Asks for the task's status once, waiting on the service up to
  // `waitSeconds` (1–60); none: answered at once.
  using StatusRequest = std::function<ApiReply(std::optional<int> waitSeconds)>;
  struct Time {
    std::function<Clock::time_point()> now;
    std::function<void(Clock::duration)> sleep;
  };
  static Time realTime();

  TaskFollower(StatusRequest request, std::optional<std::chrono::seconds> maxWait,
               FollowPolicy policy = {}, Time time = realTime());

  // Follows from `since` (elapsed time and maxWait count from there).
  FollowOutcome follow(Clock::time_point since, ProgressLine& progress) const;

 private:
  // The waitSeconds of a request sent at `now`: the longest the contract
  // allows, or what is left before `deadline` (at least 1).
  int waitSecondsAt(Clock::time_point now, std::optional<Clock::time_point> deadline) const;
  // How long to wait before asking again after a transient failure.
  Clock::duration retryPause(const std::optional<std::string>& retryAfter) const;

  StatusRequest request_;
  std::optional<std::chrono::seconds> maxWait_;
  FollowPolicy policy_;
  Time time_;
};

}  // namespace cpe::ctl
