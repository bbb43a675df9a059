#include "cpe/server/config/config_reader.h"

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>
#include <gtest/gtest.h>

namespace cpe::config {
namespace {

class ConfigReaderTest : public ::testing::Test {
 protected:
  Poco::AutoPtr<Poco::Util::MapConfiguration> values_ = new Poco::Util::MapConfiguration;
  ConfigReader reader_{*values_};
};

TEST_F(ConfigReaderTest, DefaultsApplyToMissingKeys) {
  EXPECT_EQ(reader_.getInt("a.port", 8443, 0, 65535), 8443);
  EXPECT_DOUBLE_EQ(reader_.getDouble("a.delay", 60.0, 0, 100), 60.0);
  EXPECT_TRUE(reader_.getBool("a.on", true));
  EXPECT_EQ(reader_.getString("a.name", "x"), "x");
  EXPECT_TRUE(reader_.getList("a.list").empty());
}

TEST_F(ConfigReaderTest, ReadsTypedValues) {
  values_->setString("a.port", " 9000 ");
  values_->setString("a.delay", "0.25");
  values_->setString("a.on", "false");
  values_->setString("a.list", " x, y ,,z ");
  EXPECT_EQ(reader_.getInt("a.port", 0, 0, 65535), 9000);
  EXPECT_DOUBLE_EQ(reader_.getDouble("a.delay", 1, 0, 100), 0.25);
  EXPECT_FALSE(reader_.getBool("a.on", true));
  EXPECT_EQ(reader_.getList("a.list"), (std::vector<std::string>{"x", "y", "z"}));
}

TEST_F(ConfigReaderTest, RefusesOutOfRangeOrMalformedValuesNamingTheKey) {
  values_->setString("a.port", "70000");
  values_->setString("a.delay", "soon");
  values_->setString("a.on", "perhaps");
  try {
    reader_.getInt("a.port", 0, 0, 65535);
    FAIL() << "accepted 70000";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("a.port"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("from 0 to 65535"), std::string::npos);
  }
  EXPECT_THROW(reader_.getDouble("a.delay", 1, 0, 100), ConfigError);
  EXPECT_THROW(reader_.getBool("a.on", true), ConfigError);
}

TEST_F(ConfigReaderTest, RefusesUnknownKeysUnderThePrefix) {
  values_->setString("a.port", "1");
  values_->setString("a.delaySecnds", "1");  // misspelt
  values_->setString("other.key", "1");      // another program's section
  reader_.getInt("a.port", 0, 0, 10);
  reader_.getDouble("a.delaySeconds", 0, 0, 10);
  try {
    reader_.refuseUnknownKeys("a");
    FAIL() << "accepted a misspelt key";
  } catch (const ConfigError& error) {
    EXPECT_EQ(std::string(error.what()), "unknown configuration key(s): a.delaySecnds");
  }
}

TEST_F(ConfigReaderTest, AcceptsWhenEveryKeyIsKnown) {
  values_->setString("a.b.c", "1");
  reader_.getString("a.b.c", "");
  EXPECT_NO_THROW(reader_.refuseUnknownKeys("a"));
}

}  // namespace
}  // namespace cpe::config
