#include "task_state.h"

#include <sstream>

#include "cpe/json_answer.h"

namespace cpe::ctl {

std::optional<TaskState> readTaskState(const ApiAnswer& answer) {
  if (answer.httpStatus == 204 && answer.body.empty()) {
    return TaskState{204, std::string(answers::kStillRunning)};
  }
  if (answer.json.isNull() || !answer.json->has("message")) return std::nullopt;
  const Poco::Dynamic::Var code = answer.json->get("code");
  if (!code.isInteger()) return std::nullopt;
  return TaskState{answer.code(), answer.message()};
}

std::string refusal(const TaskState& state) {
  return "the service answered " + std::to_string(state.code) + " " + state.message;
}

std::string taskStateJson(const std::string& taskId, const TaskState& state) {
  Poco::JSON::Object object(Poco::JSON_PRESERVE_KEY_ORDER);
  object.set("taskId", taskId);
  object.set("code", state.code);
  object.set("message", state.message);
  std::ostringstream text;
  object.stringify(text);
  return text.str();
}

}  // namespace cpe::ctl
