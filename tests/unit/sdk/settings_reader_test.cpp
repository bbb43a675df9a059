#include <gtest/gtest.h>

#include <iterator>
#include <string>

#include "cpe/sdk/plugin_settings.h"

namespace cpe::plugin {
namespace {

const ConfigKey kKeys[] = {
    {"tls", "false", "A switch."},
};

bool readSwitch(const std::string& text) {
  const Settings settings{{"tls", text}};
  const SettingsReader reader(settings, kKeys, std::size(kKeys), "broker.test");
  bool out = !(text == "true");  // the opposite of what a good read gives
  const Status read = reader.readBool("tls", out);
  EXPECT_TRUE(read.isOk()) << text << ": " << read.message();
  return out;
}

TEST(SettingsReaderBool, TakesTheWordsTheHostTakes) {
  for (const char* on : {"true", "TRUE", "Yes", "on", "1"}) EXPECT_TRUE(readSwitch(on)) << on;
  for (const char* off : {"false", "False", "no", "OFF", "0"}) EXPECT_FALSE(readSwitch(off)) << off;
}

TEST(SettingsReaderBool, AMissingKeyTakesItsDefault) {
  const Settings none;
  const SettingsReader reader(none, kKeys, std::size(kKeys), "broker.test");
  bool out = true;
  ASSERT_TRUE(reader.readBool("tls", out).isOk());
  EXPECT_FALSE(out);
}

TEST(SettingsReaderBool, RefusesAnythingElseNamingTheKey) {
  for (const char* text : {"", "tru", "2", "enabled", " true"}) {
    const Settings settings{{"tls", text}};
    const SettingsReader reader(settings, kKeys, std::size(kKeys), "broker.test");
    bool out = false;
    const Status read = reader.readBool("tls", out);
    ASSERT_FALSE(read.isOk()) << "'" << text << "'";
    EXPECT_EQ(read.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(read.message(),
              "broker.test.tls is '" + std::string(text) + "', expected true or false");
  }
}

TEST(SettingsReaderFile, TakesNothingOrAReadableFileAndRefusesAMissingOne) {
  const ConfigKey keys[] = {{"caFile", "", "A file."}};
  std::string out = "unchanged";
  const Settings none;
  ASSERT_TRUE(SettingsReader(none, keys, 1, "broker.test").readFile("caFile", out).isOk());
  EXPECT_EQ(out, "");
  const std::string file = std::string(CPE_SOURCE_DIR) + "/README.md";
  const Settings readable{{"caFile", file}};
  ASSERT_TRUE(SettingsReader(readable, keys, 1, "broker.test").readFile("caFile", out).isOk());
  EXPECT_EQ(out, file);
  const Settings missing{{"caFile", "/no/such/ca.pem"}};
  EXPECT_EQ(SettingsReader(missing, keys, 1, "broker.test").readFile("caFile", out).message(),
            "broker.test.caFile is '/no/such/ca.pem', expected a file this process can read");
}

}  // namespace
}  // namespace cpe::plugin
