#include <chrono>

#include "commands.h"
#include "task_report.h"

namespace cpe::ctl {

ExitCode runStatus(const Invocation& invocation, const ApiClient& client, Console& console) {
  const StatusOptions& status = invocation.status;
  if (invocation.wait.wait) {
    return followTask(invocation, client, status.device, status.task,
                      std::chrono::steady_clock::now(), console);
  }
  const ApiReply reply = client.taskStatus(status.device, status.task, std::nullopt);
  if (const auto* error = std::get_if<TransportError>(&reply)) {
    return fail(console, ExitCode::kUnavailable, error->message);
  }
  const ApiAnswer& answer = std::get<ApiAnswer>(reply);
  const std::optional<TaskState> state = readTaskState(answer);
  if (!state) return fail(console, ExitCode::kUnavailable, describeAnswer(answer));
  return reportTaskState(invocation, status.task, *state, std::nullopt, console);
}

}  // namespace cpe::ctl
