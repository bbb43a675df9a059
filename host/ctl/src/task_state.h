#pragma once

#include <optional>
#include <string>

#include "api_client.h"

namespace cpe::ctl {

// A task's state as its status endpoint tells it
// (GET …/cpe/{id}/task/{task}), read the same way under every status-line
// policy: by the body's `code`, or a bare 204 (policy bare204) as still
// running.
struct TaskState {
  int code = 0;  // 200 Completed, 204 still running, 404 not found, 500 failed; or a refusal's
  std::string message;
  bool stillRunning() const { return code == 204; }
  // The four codes that describe the task; any other is a refusal of the
  // request (400, 401, 503...).
  bool isTaskState() const { return code == 200 || code == 204 || code == 404 || code == 500; }
};

// The state `answer` tells; nullopt when it is no answer of the contract
// (neither a JSON object with an integer code and a message, nor a bare
// 204): a proxy's error page, say.
std::optional<TaskState> readTaskState(const ApiAnswer& answer);

// A state that is no task state, for a person: "the service answered 401
// Unauthorized".
std::string refusal(const TaskState& state);

// What --json prints for a task: {"taskId":"…","code":200,"message":"Completed"}.
std::string taskStateJson(const std::string& taskId, const TaskState& state);

}  // namespace cpe::ctl
