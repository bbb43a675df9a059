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

}  // namespace
}  // namespace cpe::plugin
