#include "json_log.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>

#include <regex>
#include <sstream>

#include "cpe/sdk/mutex.h"

namespace cpe::testing {
namespace {

const std::regex kIsoMillisUtc(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$)");
const std::set<std::string> kLevels{"fatal",  "critical",    "error", "warning",
                                    "notice", "information", "debug", "trace"};

bool isString(const Poco::JSON::Object::Ptr& line, const std::string& field) {
  return line->has(field) && line->get(field).isString();
}

// What is wrong with one parsed line; empty when nothing is.
std::string whatIsWrong(const Poco::JSON::Object::Ptr& line) {
  for (const char* field : {"time", "level", "component", "message"}) {
    if (!isString(line, field)) return std::string("no string field '") + field + "'";
  }
  for (const char* field : {"taskId", "deviceId"}) {
    if (line->has(field) && !isString(line, field)) return std::string(field) + " not a string";
  }
  if (!std::regex_match(line->getValue<std::string>("time"), kIsoMillisUtc)) {
    return "time not ISO 8601 UTC with milliseconds";
  }
  if (kLevels.count(line->getValue<std::string>("level")) == 0) return "unknown level";
  if (line->getValue<std::string>("component").empty()) return "empty component";
  return "";
}

// "<where><what>: <text>", one line's problem.
std::string problemAt(const std::string& where, const std::string& what, const std::string& text) {
  std::string problem = where;
  problem.append(what).append(": ").append(text);
  return problem;
}

Mutex registryMutex;
bool jsonLogsOn CPE_GUARDED_BY(registryMutex) = false;
std::set<std::string> registeredFiles CPE_GUARDED_BY(registryMutex);

}  // namespace

JsonLog parseJsonLog(const std::string& log) {
  JsonLog parsed;
  std::istringstream in(log);
  int number = 0;
  for (std::string text; std::getline(in, text);) {
    ++number;
    const std::string where = "line " + std::to_string(number) + ": ";
    if (in.eof()) {
      parsed.problems.push_back(problemAt(where, "cut (no newline at the end)", text));
      continue;
    }
    Poco::JSON::Object::Ptr line;
    try {
      line = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception& error) {
      parsed.problems.push_back(
          problemAt(where, "not a JSON object (" + error.displayText() + ")", text));
      continue;
    }
    if (const std::string wrong = whatIsWrong(line); !wrong.empty()) {
      parsed.problems.push_back(problemAt(where, wrong, text));
      continue;
    }
    parsed.lines.push_back(line);
  }
  return parsed;
}

void runServicesWithJsonLogs(bool on) {
  MutexLock lock(registryMutex);
  jsonLogsOn = on;
}

bool servicesRunWithJsonLogs() {
  MutexLock lock(registryMutex);
  return jsonLogsOn;
}

void rememberJsonLogFile(const std::string& path) {
  MutexLock lock(registryMutex);
  registeredFiles.insert(path);
}

std::set<std::string> jsonLogFiles() {
  MutexLock lock(registryMutex);
  return registeredFiles;
}

}  // namespace cpe::testing
