#include "stub_options.h"

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>
#include <Poco/Util/PropertyFileConfiguration.h>
#include <gtest/gtest.h>

#include "cpe/server/config/config_reader.h"

namespace cpe::stub {
namespace {

class StubOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    values_->setString("stub.tls.certificateFile", "server.pem");
    values_->setString("stub.tls.privateKeyFile", "server.key");
  }
  Poco::AutoPtr<Poco::Util::MapConfiguration> values_ = new Poco::Util::MapConfiguration;
};

TEST_F(StubOptionsTest, DefaultsFollowTheBrief) {
  const StubOptions options = readStubOptions(*values_);
  EXPECT_DOUBLE_EQ(options.delaySeconds, 60.0);
  ASSERT_TRUE(options.https);
  EXPECT_EQ(options.https->port, 8443);
  EXPECT_EQ(options.https->host, "127.0.0.1");
  EXPECT_GE(options.https->maxThreads, 1000);  // must hold 1,000 requests at once
  EXPECT_FALSE(options.plainHttp);
  EXPECT_DOUBLE_EQ(options.failureRate, 0.0);
  EXPECT_EQ(options.faultMode, FaultMode::kNone);
}

TEST_F(StubOptionsTest, ReadsEverySetting) {
  values_->setString("stub.delaySeconds", "0.5");
  values_->setString("stub.http.enabled", "true");
  values_->setString("stub.http.port", "0");
  values_->setString("stub.failingDevices", "FAIL01, FAIL02");
  values_->setString("stub.failureRate", "0.1");
  values_->setString("stub.randomSeed", "9");
  values_->setString("stub.server.maxThreads", "2000");
  const StubOptions options = readStubOptions(*values_);
  EXPECT_DOUBLE_EQ(options.delaySeconds, 0.5);
  ASSERT_TRUE(options.plainHttp);
  EXPECT_EQ(options.plainHttp->port, 0);
  EXPECT_FALSE(options.plainHttp->tls);
  EXPECT_EQ(options.https->maxThreads, 2000);
  EXPECT_EQ(options.failingDevices, (std::vector<std::string>{"FAIL01", "FAIL02"}));
  EXPECT_DOUBLE_EQ(options.failureRate, 0.1);
  EXPECT_EQ(options.randomSeed, 9u);
}

TEST_F(StubOptionsTest, ReadsEveryFaultModeByName) {
  for (const FaultMode mode : {FaultMode::kNone, FaultMode::kGarbage, FaultMode::kBadStatus,
                               FaultMode::kClose, FaultMode::kDrop}) {
    values_->setString("stub.faultMode", faultModeName(mode));
    EXPECT_EQ(readStubOptions(*values_).faultMode, mode) << faultModeName(mode);
  }
}

TEST_F(StubOptionsTest, RefusesAnUnknownFaultMode) {
  values_->setString("stub.faultMode", "Garbage");  // names are case-sensitive
  EXPECT_THROW(readStubOptions(*values_), config::ConfigError);
  values_->setString("stub.faultMode", "");
  EXPECT_THROW(readStubOptions(*values_), config::ConfigError);
}

TEST_F(StubOptionsTest, HttpsNeedsCertificateAndKey) {
  values_->remove("stub.tls.privateKeyFile");
  EXPECT_THROW(readStubOptions(*values_), config::ConfigError);
  values_->setString("stub.https.enabled", "false");
  values_->setString("stub.http.enabled", "true");
  EXPECT_NO_THROW(readStubOptions(*values_));
}

TEST_F(StubOptionsTest, RefusesNothingToServe) {
  values_->setString("stub.https.enabled", "false");
  EXPECT_THROW(readStubOptions(*values_), config::ConfigError);
}

TEST_F(StubOptionsTest, RefusesMisspeltKeysAndBadValues) {
  values_->setString("stub.delaySecond", "1");
  EXPECT_THROW(readStubOptions(*values_), config::ConfigError);
  values_->remove("stub.delaySecond");
  values_->setString("stub.failureRate", "1.5");
  EXPECT_THROW(readStubOptions(*values_), config::ConfigError);
}

TEST(StubExampleConfig, LoadsAndKeepsTheBriefsDefaults) {
  Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> file =
      new Poco::Util::PropertyFileConfiguration(std::string(CPE_SOURCE_DIR) +
                                                "/config/stub-a.properties");
  file->setString("configDir", "/etc/cpe/");  // what layerConfiguration provides
  const StubOptions options = readStubOptions(*file);
  EXPECT_DOUBLE_EQ(options.delaySeconds, 60.0);
  ASSERT_TRUE(options.https);
  EXPECT_EQ(options.https->port, 8443);
  EXPECT_EQ(options.https->tls->certificateFile, "/etc/cpe/../.run/certs/server.pem");
  EXPECT_GE(options.https->maxThreads, 1000);
  EXPECT_FALSE(options.plainHttp);
  EXPECT_EQ(options.faultMode, FaultMode::kNone);
}

}  // namespace
}  // namespace cpe::stub
