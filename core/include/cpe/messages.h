#pragma once

#include <string>
#include <string_view>

#include "cpe/sdk/status.h"
#include "cpe/sdk/task.h"

namespace cpe {

// The broker messages of api-contract.md:
//   task   {"version":1,"taskId","equipmentId","timeoutInSeconds","parameters",
//           "createdAt"}, or version 2 with "sealedParameters" (the base64
//           text of CredentialSealer) instead of "parameters"
//   result {"version":1,"taskId","equipmentId","status","code","message",
//           "attempts","finishedAt"}
// Decoding validates everything a consumer relies on and answers
// kInvalidArgument for anything else: such a message is poison and goes to
// the dead-letter queue. The task message holds the device password.

// Version 2 when the task's parameters are sealed
// (CredentialSealer::looksSealed), else version 1.
std::string encodeTaskMessage(const Task& task);
// The returned task is queued; status fields and updatedAt are not carried.
// Either version: a version 2 task's parametersJson is the sealed text, its
// parameters checked only once opened (the worker does, before calling A).
Result<Task> decodeTaskMessage(std::string_view body);

std::string encodeResultMessage(const TaskResult& result);
// Refuses a non-terminal status.
Result<TaskResult> decodeResultMessage(std::string_view body);

}  // namespace cpe
