// Every stub and host the e2e suite starts logs with logging.format = json,
// and when the tests of this process end, every line they wrote is parsed:
// each must be a JSON object with the fields every line has (json_log.h).
// The integration and fault suites keep the default text format.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "json_log.h"

namespace cpe::testing {
namespace {

// Enough to see what went wrong without burying the report.
constexpr std::size_t kProblemsShownPerFile = 20;

std::string readWhole(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class EveryLogLineIsJson : public ::testing::Environment {
 public:
  void SetUp() override { runServicesWithJsonLogs(true); }

  // After the tests: their fixtures have stopped every service by now, so
  // the logs are complete.
  void TearDown() override {
    for (const std::string& file : jsonLogFiles()) {
      const JsonLog log = parseJsonLog(readWhole(file));
      for (std::size_t i = 0; i < log.problems.size() && i < kProblemsShownPerFile; ++i) {
        ADD_FAILURE() << file << ": " << log.problems[i];
      }
      if (log.problems.size() > kProblemsShownPerFile) {
        ADD_FAILURE() << file << ": " << log.problems.size() - kProblemsShownPerFile
                      << " more line(s) that are not good JSON log lines";
      }
    }
  }
};

[[maybe_unused]] ::testing::Environment* const kEveryLogLineIsJson =
    ::testing::AddGlobalTestEnvironment(new EveryLogLineIsJson);

}  // namespace
}  // namespace cpe::testing
