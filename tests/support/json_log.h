#pragma once

#include <Poco/JSON/Object.h>

#include <set>
#include <string>
#include <vector>

namespace cpe::testing {

// A log written with logging.format = json, line by line.
struct JsonLog {
  // The lines that are JSON objects with every field a line must have, in order.
  std::vector<Poco::JSON::Object::Ptr> lines;
  // One text per line that is not: its number, what is wrong and the line.
  std::vector<std::string> problems;
};

// Parses every line of `log` with Poco::JSON. A good line is one object with
// string fields "time" (ISO 8601 UTC with milliseconds), "level" (a Poco
// priority name in lower case), "component" (not empty) and "message", and
// "taskId" / "deviceId" strings when present. Empty text has no lines; text
// not ending in a newline ends with a cut line, which is a problem.
JsonLog parseJsonLog(const std::string& log);

// Suite-wide JSON logs. Once on, every RunningStub and RunningHost started
// runs with -Dlogging.format=json, and its log file is remembered, so that a
// suite can parse every line its services wrote (jsonLogFiles()).
void runServicesWithJsonLogs(bool on);
bool servicesRunWithJsonLogs();
void rememberJsonLogFile(const std::string& path);
std::set<std::string> jsonLogFiles();

}  // namespace cpe::testing
