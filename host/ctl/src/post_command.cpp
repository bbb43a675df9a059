#include <chrono>

#include "commands.h"
#include "request_body.h"
#include "task_report.h"

namespace cpe::ctl {
namespace {

// The task id of a POST's 200 answer; nullopt when the answer is anything else.
std::optional<std::string> createdTaskId(const ApiAnswer& answer) {
  if (answer.code() != 200 || answer.json.isNull() || !answer.json->has("taskId")) {
    return std::nullopt;
  }
  const Poco::Dynamic::Var taskId = answer.json->get("taskId");
  if (!taskId.isString() || taskId.extract<std::string>().empty()) return std::nullopt;
  return taskId.extract<std::string>();
}

}  // namespace

ExitCode runPost(const Invocation& invocation, const ApiClient& client,
                 const EnvironmentLookup& environment, Console& console) {
  const PostOptions& post = invocation.post;
  auto body = buildRequestBody(post, environment, console.in);
  if (auto* error = std::get_if<UsageError>(&body)) {
    return fail(console, ExitCode::kUsage, error->message);
  }
  const auto since = std::chrono::steady_clock::now();
  const ApiReply reply =
      client.createTask(post.device, std::get<std::string>(body), post.idempotencyKey);
  if (const auto* error = std::get_if<TransportError>(&reply)) {
    return fail(console, ExitCode::kUnavailable, error->message);
  }
  const ApiAnswer& answer = std::get<ApiAnswer>(reply);
  const std::optional<std::string> taskId = createdTaskId(answer);
  if (!taskId) {
    if (invocation.json && !answer.json.isNull()) console.out << answer.body << "\n";
    ExitCode code = exitCodeForAnswerCode(answer.code());
    if (code == ExitCode::kOk) code = ExitCode::kUnavailable;  // a 200 without a task id
    return fail(console, code, "no task created: " + describeAnswer(answer));
  }
  if (answer.header("Idempotent-Replayed") == std::optional<std::string>("true")) {
    console.err << "cpe-ctl: an earlier POST with this Idempotency-Key created this task\n";
  }
  if (!invocation.wait.wait) {
    console.out << (invocation.json ? answer.body : *taskId) << "\n";
    return ExitCode::kOk;
  }
  // The id first, so that a follow cut short can be taken up with `status`.
  if (!invocation.json) console.out << *taskId << std::endl;
  return followTask(invocation, client, post.device, *taskId, since, console);
}

}  // namespace cpe::ctl
