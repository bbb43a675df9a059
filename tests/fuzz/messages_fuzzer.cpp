// Fuzzes what a worker and a result consumer do with a hostile broker message:
// every input goes through decodeTaskMessage and decodeResultMessage.
//
// Beyond "no crash, no leak, no sanitizer report": a refusal is always
// kInvalidArgument (poison, dead-lettered, never retried), an accepted
// message holds what the contract promises, and encoding what was decoded
// gives a message that decodes to the same thing.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cpe/equipment_id.h"
#include "cpe/messages.h"

namespace {

using cpe::StatusCode;

void require(bool condition, const char* what) {
  if (condition) return;
  // Nothing to do if stderr fails too: the abort still stops the fuzzer.
  static_cast<void>(std::fprintf(stderr, "invariant broken: %s\n", what));
  std::abort();
}

bool isPlausibleTaskId(const std::string& id) { return !id.empty() && id.size() <= 64; }

void checkTask(std::string_view body) {
  const auto decoded = cpe::decodeTaskMessage(body);
  if (!decoded.isOk()) {
    require(decoded.status().code() == StatusCode::kInvalidArgument, "a refusal is poison");
    return;
  }
  const cpe::Task& task = decoded.value();
  require(isPlausibleTaskId(task.id), "taskId non-empty, at most 64 bytes");
  require(cpe::isValidEquipmentId(task.equipmentId), "equipmentId valid");
  require(task.timeoutInSeconds >= 1 && task.timeoutInSeconds <= 86400, "timeout 1..86400");
  require(task.status == cpe::TaskStatus::kQueued, "a decoded task is queued");

  const auto again = cpe::decodeTaskMessage(cpe::encodeTaskMessage(task));
  require(again.isOk(), "an encoded task decodes");
  const cpe::Task& second = again.value();
  require(second.id == task.id && second.equipmentId == task.equipmentId &&
              second.timeoutInSeconds == task.timeoutInSeconds &&
              second.parametersJson == task.parametersJson && second.createdAt == task.createdAt,
          "a task survives encode and decode");
}

void checkResult(std::string_view body) {
  const auto decoded = cpe::decodeResultMessage(body);
  if (!decoded.isOk()) {
    require(decoded.status().code() == StatusCode::kInvalidArgument, "a refusal is poison");
    return;
  }
  const cpe::TaskResult& result = decoded.value();
  require(isPlausibleTaskId(result.taskId), "taskId non-empty, at most 64 bytes");
  require(cpe::isTerminal(result.status), "a result is terminal");

  const auto again = cpe::decodeResultMessage(cpe::encodeResultMessage(result));
  require(again.isOk(), "an encoded result decodes");
  const cpe::TaskResult& second = again.value();
  require(second.taskId == result.taskId && second.equipmentId == result.equipmentId &&
              second.status == result.status && second.code == result.code &&
              second.message == result.message && second.attempts == result.attempts &&
              second.finishedAt == result.finishedAt,
          "a result survives encode and decode");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  checkTask(body);
  checkResult(body);
  return 0;
}
