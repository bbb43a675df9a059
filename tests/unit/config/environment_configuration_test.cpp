#include "cpe/server/config/environment_configuration.h"

#include <Poco/AutoPtr.h>
#include <gtest/gtest.h>

#include <cstdlib>

namespace cpe::config {
namespace {

TEST(EnvironmentConfiguration, NamesVariablesAfterKeys) {
  EXPECT_EQ(EnvironmentConfiguration::variableFor("stub.delaySeconds"), "CPE_STUB_DELAYSECONDS");
  EXPECT_EQ(EnvironmentConfiguration::variableFor("stub.https.port"), "CPE_STUB_HTTPS_PORT");
}

TEST(EnvironmentConfiguration, AnswersLookupsFromTheEnvironment) {
  Poco::AutoPtr<EnvironmentConfiguration> environment = new EnvironmentConfiguration;
  // setenv() races only with another thread's getenv(): this test starts none.
  ::setenv("CPE_UNITTEST_SOMEKEY", "42", 1);  // NOLINT(concurrency-mt-unsafe)
  EXPECT_EQ(environment->getInt("unittest.someKey"), 42);
  ::unsetenv("CPE_UNITTEST_SOMEKEY");  // NOLINT(concurrency-mt-unsafe)
  EXPECT_FALSE(environment->hasProperty("unittest.someKey"));
}

}  // namespace
}  // namespace cpe::config
