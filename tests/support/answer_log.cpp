#include "answer_log.h"

#include <Poco/File.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Process.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "cpe/sdk/mutex.h"

namespace cpe::testing {
namespace {

struct ServiceDescription {
  std::string document;
  std::string statusLinePolicy;
};

// Tests answer from many threads at once (load tests), so the registry and
// the file share one lock.
struct Registry {
  Mutex mutex;
  std::map<std::uint16_t, ServiceDescription> services CPE_GUARDED_BY(mutex);
};

Registry& registry() {
  static Registry described;
  return described;
}

std::string jsonLine(const ServiceDescription& service, const std::string& method,
                     const std::string& target, const HttpResult& answer) {
  Poco::JSON::Object headers;
  for (const auto& [name, value] : answer.headers) headers.set(name, value);
  Poco::JSON::Object line;
  line.set("document", service.document);
  line.set("policy", service.statusLinePolicy);
  line.set("method", method);
  line.set("target", target);
  line.set("status", answer.status);
  line.set("headers", headers);
  line.set("body", answer.body);
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(line, out);
  return out.str();
}

// "HTTP/1.1 411 Length Required\r\nName: value\r\n\r\nbody" as an HttpResult;
// status 0 without a status line.
HttpResult parsedAnswer(const std::string& raw) {
  HttpResult answer;
  const auto headEnd = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/", 0) != 0 || headEnd == std::string::npos) return answer;
  std::istringstream head(raw.substr(0, headEnd));
  std::string line;
  std::getline(head, line);
  std::istringstream statusLine(line);
  std::string version;
  statusLine >> version >> answer.status;
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const auto value = line.find_first_not_of(' ', colon + 1);
    answer.headers[line.substr(0, colon)] = value == std::string::npos ? "" : line.substr(value);
  }
  answer.body = raw.substr(headEnd + 4);
  return answer;
}

}  // namespace

std::string answerLogDir() {
  if (const char* dir = std::getenv("CPE_ANSWER_LOG_DIR"); dir && *dir) return dir;
  return std::string(CPE_TEST_WORK_DIR) + "/answers";
}

std::string answerLogFile() {
  return answerLogDir() + "/answers-" + std::to_string(Poco::Process::id()) + ".jsonl";
}

void describeService(std::uint16_t port, const std::string& document,
                     const std::string& statusLinePolicy) {
  Registry& described = registry();
  const MutexLock guard(described.mutex);
  described.services[port] = ServiceDescription{document, statusLinePolicy};
}

void recordAnswer(std::uint16_t port, const std::string& method, const std::string& target,
                  const HttpResult& answer) noexcept {
  try {
    Registry& described = registry();
    const MutexLock guard(described.mutex);
    const auto service = described.services.find(port);
    if (service == described.services.end()) return;
    static const std::string file = [] {
      Poco::File(answerLogDir()).createDirectories();
      return answerLogFile();
    }();
    std::ofstream(file, std::ios::app) << jsonLine(service->second, method, target, answer)
                                       << '\n';
  } catch (...) {
    // See the header: a missing line is reported by the check, not here.
  }
}

void recordRawAnswer(std::uint16_t port, const std::string& method, const std::string& target,
                     const std::string& raw) noexcept {
  try {
    const HttpResult answer = parsedAnswer(raw);
    if (answer.status != 0) recordAnswer(port, method, target, answer);
  } catch (...) {
    // As recordAnswer.
  }
}

}  // namespace cpe::testing
