#include "task_report.h"

#include "progress_line.h"
#include "task_follower.h"

namespace cpe::ctl {
namespace {

std::string wholeSeconds(std::chrono::steady_clock::duration elapsed) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(elapsed).count()) + " s";
}

}  // namespace

ExitCode reportTaskState(const Invocation& invocation, const std::string& taskId,
                         const TaskState& state,
                         std::optional<std::chrono::steady_clock::duration> elapsed,
                         Console& console) {
  const ExitCode code = exitCodeForTaskCode(state.code);
  if (invocation.json) console.out << taskStateJson(taskId, state) << "\n";
  if (!state.isTaskState()) return fail(console, code, refusal(state));
  if (invocation.json) return code;
  console.out << state.message;
  if (elapsed && code == ExitCode::kNotFinished) {
    console.out << ": stopped waiting after " << wholeSeconds(*elapsed) << " (--max-wait)";
  } else if (elapsed) {
    console.out << " (" << wholeSeconds(*elapsed) << ")";
  }
  console.out << "\n";
  return code;
}

ExitCode followTask(const Invocation& invocation, const ApiClient& client,
                    const std::string& device, const std::string& taskId,
                    std::chrono::steady_clock::time_point since, Console& console) {
  const TaskFollower follower(
      [&](std::optional<int> waitSeconds) {
        return client.taskStatus(device, taskId, waitSeconds);
      },
      invocation.wait.maxWait);
  FollowOutcome outcome;
  {
    ProgressLine progress(console.err, console.errIsTerminal && !invocation.json, since);
    progress.show("waiting for the task to finish");
    outcome = follower.follow(since, progress);
  }  // the line is cleared before the end is printed
  if (outcome.state) {
    return reportTaskState(invocation, taskId, *outcome.state, outcome.elapsed, console);
  }
  fail(console, outcome.exitCode, outcome.error);
  return fail(console, outcome.exitCode,
              "ask again later with: cpe-ctl status " + device + " " + taskId);
}

}  // namespace cpe::ctl
