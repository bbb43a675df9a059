#include "cpe/messages.h"

#include <Poco/DateTimeParser.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSONString.h>

#include <regex>
#include <sstream>

#include "cpe/credential_sealer.h"
#include "cpe/equipment_id.h"
#include "cpe/json_limits.h"
#include "cpe/provisioning_request.h"

namespace cpe {
namespace {

using Poco::JSON::Object;

constexpr int kMessageVersion = 1;
// A task message whose parameters are sealed (api-contract.md).
constexpr int kSealedTaskVersion = 2;
constexpr std::size_t kMaxMessageBytes = std::size_t{256} * 1024;
constexpr std::size_t kMaxJsonDepth = 32;
// Room for a message's own members besides the request's (about 10 now).
constexpr std::size_t kEnvelopeMembers = 32;
// formatTimestamp cannot write an instant before 1582-10-15 (Poco's calendar
// start) or after year 9999, and our producers stamp the current time: an
// instant outside the Unix epoch .. 9999-12-31T23:59:59.999Z is refused, so
// whatever is decoded can be encoded again.
constexpr EpochMillis kLatestTimestamp = 253402300799999;

std::string jsonString(const std::string& text) {
  return Poco::toJSON(text, Poco::JSON_WRAP_STRINGS);
}

std::string stringify(const Object& object) {
  std::ostringstream out;
  object.stringify(out);
  return out.str();
}

Result<Object::Ptr> parseMessage(std::string_view body, int newestVersion = kMessageVersion) {
  if (body.size() > kMaxMessageBytes) return Status::invalidArgument("message too large");
  // A task carries an accepted request's members and its own envelope.
  if (countJsonMembers(body) > kMaxJsonMembers + kEnvelopeMembers) {
    return Status::invalidArgument("too many object members");
  }
  try {
    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(/*preserveObjectOrder=*/true));
    parser.setDepth(kMaxJsonDepth);
    const auto root = parser.parse(std::string(body));
    if (root.type() != typeid(Object::Ptr)) return Status::invalidArgument("not a JSON object");
    Object::Ptr object = root.extract<Object::Ptr>();
    if (!object->has("version") || !object->get("version").isInteger() ||
        object->getValue<int>("version") < kMessageVersion ||
        object->getValue<int>("version") > newestVersion) {
      return Status::invalidArgument("unsupported message version");
    }
    return object;
  } catch (const Poco::Exception& error) {
    return Status::invalidArgument("not valid JSON: " + error.message());
  }
}

// Reads a required string member, refusing other types.
bool readString(const Object& object, const char* key, std::string& out) {
  const auto value = object.get(key);
  if (!value.isString()) return false;
  out = value.extract<std::string>();
  return true;
}

bool readInt(const Object& object, const char* key, int& out) {
  const auto value = object.get(key);
  if (value.isEmpty() || value.isBoolean() || !value.isInteger()) return false;
  try {
    out = value.convert<int>();
    return true;
  } catch (const Poco::Exception&) {
    return false;
  }
}

bool readTimestamp(const Object& object, const char* key, EpochMillis& out) {
  // Poco's parser is lenient (it accepts "yesterday"); insist on the shape.
  static const std::regex kIso8601(
      R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$)");
  std::string text;
  int timeZone = 0;
  Poco::DateTime parsed;
  if (!readString(object, key, text) || !std::regex_match(text, kIso8601) ||
      !Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, text, parsed,
                                      timeZone)) {
    return false;
  }
  out = parsed.timestamp().epochMicroseconds() / 1000 - static_cast<EpochMillis>(timeZone) * 1000;
  return out >= 0 && out <= kLatestTimestamp;
}

bool isPlausibleTaskId(const std::string& id) { return !id.empty() && id.size() <= 64; }

}  // namespace

std::string encodeTaskMessage(const Task& task) {
  // Written directly rather than through a Poco::JSON::Object: one message
  // per POST. The parameters go through verbatim (already compact, validated
  // JSON) rather than being parsed and re-serialised.
  const bool sealed = CredentialSealer::looksSealed(task.parametersJson);
  std::string text = "{\"version\":";
  text += std::to_string(sealed ? kSealedTaskVersion : kMessageVersion);
  text += ",\"taskId\":" + jsonString(task.id);
  text += ",\"equipmentId\":" + jsonString(task.equipmentId);
  text += ",\"timeoutInSeconds\":" + std::to_string(task.timeoutInSeconds);
  if (sealed) {
    text += ",\"sealedParameters\":" + jsonString(task.parametersJson);
  } else {
    text += ",\"parameters\":" + task.parametersJson;
  }
  text += ",\"createdAt\":" + jsonString(formatTimestamp(task.createdAt));
  text += '}';
  return text;
}

// A version 2 task's parameters: sealed text, checked once opened.
Result<Task> withSealedParameters(const Object& message, Task task) {
  std::string sealed;
  int timeout = 0;
  if (!readString(message, "sealedParameters", sealed) || !CredentialSealer::looksSealed(sealed)) {
    return Status::invalidArgument("task message version 2 without sealedParameters");
  }
  if (!readInt(message, "timeoutInSeconds", timeout) || timeout < kMinTimeoutSeconds ||
      timeout > kMaxTimeoutSeconds) {
    return Status::invalidArgument("task message without a valid timeoutInSeconds");
  }
  task.timeoutInSeconds = timeout;
  task.parametersJson = std::move(sealed);
  task.status = TaskStatus::kQueued;
  task.updatedAt = task.createdAt;
  return task;
}

Result<Task> decodeTaskMessage(std::string_view body) {
  auto parsed = parseMessage(body, kSealedTaskVersion);
  if (!parsed.isOk()) return parsed.status();
  const Object& message = *parsed.value();
  Task task;
  if (!readString(message, "taskId", task.id) || !isPlausibleTaskId(task.id)) {
    return Status::invalidArgument("task message without a valid taskId");
  }
  if (!readString(message, "equipmentId", task.equipmentId) ||
      !isValidEquipmentId(task.equipmentId)) {
    return Status::invalidArgument("task message without a valid equipmentId");
  }
  if (!readTimestamp(message, "createdAt", task.createdAt)) {
    return Status::invalidArgument("task message without a valid createdAt");
  }
  if (message.getValue<int>("version") == kSealedTaskVersion) {
    return withSealedParameters(message, std::move(task));
  }
  // The request part is checked by the same rules the API applied.
  const Object::Ptr parameters = message.getObject("parameters");
  if (!parameters || !message.has("timeoutInSeconds")) {
    return Status::invalidArgument("task message without parameters or timeoutInSeconds");
  }
  Object request;
  request.set("timeoutInSeconds", message.get("timeoutInSeconds"));
  request.set("parameters", parameters);
  const auto validated = ProvisioningRequest::parse(stringify(request));
  if (const auto* error = std::get_if<RequestError>(&validated)) {
    return Status::invalidArgument("task message refused: " + error->message);
  }
  const auto& accepted = std::get<ProvisioningRequest>(validated);
  task.timeoutInSeconds = accepted.timeoutInSeconds();
  task.parametersJson = accepted.parametersJson();
  task.status = TaskStatus::kQueued;
  task.updatedAt = task.createdAt;
  return task;
}

std::string encodeResultMessage(const TaskResult& result) {
  Object message(Poco::JSON_PRESERVE_KEY_ORDER);
  message.set("version", kMessageVersion);
  message.set("taskId", result.taskId);
  message.set("equipmentId", result.equipmentId);
  message.set("status", std::string(taskStatusName(result.status)));
  message.set("code", result.code);
  message.set("message", result.message);
  message.set("attempts", result.attempts);
  message.set("finishedAt", formatTimestamp(result.finishedAt));
  return stringify(message);
}

Result<TaskResult> decodeResultMessage(std::string_view body) {
  auto parsed = parseMessage(body);
  if (!parsed.isOk()) return parsed.status();
  const Object& message = *parsed.value();
  TaskResult result;
  std::string status;
  if (!readString(message, "taskId", result.taskId) || !isPlausibleTaskId(result.taskId)) {
    return Status::invalidArgument("result message without a valid taskId");
  }
  if (!readString(message, "equipmentId", result.equipmentId)) {
    return Status::invalidArgument("result message without equipmentId");
  }
  const auto terminal =
      readString(message, "status", status) ? parseTaskStatus(status) : std::nullopt;
  if (!terminal || !isTerminal(*terminal)) {
    return Status::invalidArgument("result message without a terminal status");
  }
  result.status = *terminal;
  if (!readInt(message, "code", result.code) || !readString(message, "message", result.message) ||
      !readInt(message, "attempts", result.attempts) ||
      !readTimestamp(message, "finishedAt", result.finishedAt)) {
    return Status::invalidArgument("result message with missing or mistyped fields");
  }
  return result;
}

}  // namespace cpe
