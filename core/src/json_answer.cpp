#include "cpe/json_answer.h"

#include <Poco/JSON/Object.h>

#include <sstream>

namespace cpe {
namespace {

std::string envelope(int code, const char* key, std::string_view value) {
  Poco::JSON::Object answer(Poco::JSON_PRESERVE_KEY_ORDER);
  answer.set("code", code);
  answer.set(key, std::string(value));
  std::ostringstream out;
  answer.stringify(out);
  return out.str();
}

}  // namespace

std::string jsonAnswer(int code, std::string_view message) {
  return envelope(code, "message", message);
}

std::string taskIdAnswer(std::string_view taskId) { return envelope(200, "taskId", taskId); }

}  // namespace cpe
