// Issue 11: when the tests of this process end, every file its stubs and
// hosts wrote (logs at every level, ready files, SQLite files with their
// WAL), the rows of every PostgreSQL schema its hosts stored tasks in, and
// every API answer it received are searched for kSuiteDevicePassword, the
// password every test posts. Linked into the end-to-end and fault suites.
#include <gtest/gtest.h>

#include "answer_log.h"
#include "password_leaks.h"

namespace cpe::testing {
namespace {

class NoPasswordLeaks : public ::testing::Environment {
 public:
  void SetUp() override { watchForPasswordLeaks(true); }

  // After the tests: their fixtures have stopped every service, so what
  // they wrote is complete.
  void TearDown() override {
    rememberWrittenPath(answerLogFile());
    for (const std::string& leak : findPasswordLeaks()) ADD_FAILURE() << leak;
  }
};

[[maybe_unused]] ::testing::Environment* const kNoPasswordLeaks =
    ::testing::AddGlobalTestEnvironment(new NoPasswordLeaks);

}  // namespace
}  // namespace cpe::testing
