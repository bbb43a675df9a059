// PluginLoader's refusals, seen from the store side: the host must say what
// is wrong with a plugin rather than crash or guess.

#include <gtest/gtest.h>

#include <string>

#include "store_fixture.h"

namespace cpe::testing {
namespace {

TEST(PluginLoader, MissingPluginIsNotFoundNamingThePath) {
  plugin::PluginLoader loader(CPE_PLUGIN_DIR);
  auto loaded = loader.load(plugin::Kind::kStore, "nosuchplugin");
  ASSERT_FALSE(loaded.isOk());
  EXPECT_EQ(loaded.status().code(), StatusCode::kNotFound);
  const std::string path = std::string(CPE_PLUGIN_DIR) + "/libcpe_store_nosuchplugin.so";
  EXPECT_NE(loaded.status().message().find(path), std::string::npos) << loaded.status().message();
}

TEST(PluginLoader, StorePluginLoadedAsABrokerIsRefusedAsAStorePlugin) {
  Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
  plugin::PluginLoader loader(CPE_PLUGIN_DIR);
  auto broker =
      loader.createBroker(std::string(CPE_PLUGIN_DIR) + "/libcpe_store_memory.so", *config);
  ASSERT_FALSE(broker.isOk());
  EXPECT_EQ(broker.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(broker.status().message().find("is a store plugin"), std::string::npos)
      << broker.status().message();
}

TEST(PluginLoader, EveryStorePluginDeclaresItsKeysWithDefaultsAndDocs) {
  plugin::PluginLoader loader(CPE_PLUGIN_DIR);
  for (const char* name : {"memory", "sqlite", "postgres"}) {
    auto loaded = loader.load(plugin::Kind::kStore, name);
    ASSERT_TRUE(loaded.isOk()) << loaded.status().toString();
    const plugin::Descriptor& descriptor = *loaded.value();
    EXPECT_STREQ(descriptor.name, name);
    EXPECT_EQ(descriptor.createBroker, nullptr);
    for (std::size_t i = 0; i < descriptor.keyCount; ++i) {
      EXPECT_NE(descriptor.keys[i].defaultValue, nullptr) << name;
      EXPECT_GT(std::string(descriptor.keys[i].doc).size(), 10u) << descriptor.keys[i].name;
    }
  }
}

}  // namespace
}  // namespace cpe::testing
