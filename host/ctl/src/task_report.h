#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "api_client.h"
#include "console.h"
#include "ctl_options.h"
#include "exit_codes.h"
#include "task_state.h"

namespace cpe::ctl {

// How post and status end: a task's state printed, the exit code it means.

// Prints `state` of task `taskId`: its message ("Completed"), with the time
// followed when `elapsed` is given; --json: taskStateJson(). An answer that
// is no task state (a refusal: 400, 401, 503...) also goes to console.err.
ExitCode reportTaskState(const Invocation& invocation, const std::string& taskId,
                         const TaskState& state,
                         std::optional<std::chrono::steady_clock::duration> elapsed,
                         Console& console);

// --wait: follows the task with TaskFollower from `since`, drawing the live
// line on a terminal, then reports the end as above. When it cannot tell the
// end, says how to ask again later.
ExitCode followTask(const Invocation& invocation, const ApiClient& client,
                    const std::string& device, const std::string& taskId,
                    std::chrono::steady_clock::time_point since, Console& console);

}  // namespace cpe::ctl
