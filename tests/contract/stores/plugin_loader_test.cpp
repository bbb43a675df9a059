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

TEST(PluginLoader, ThisTreesPluginsReportTheBuildTheyWereMadeWith) {
  plugin::PluginLoader loader(CPE_PLUGIN_DIR);
  auto loaded = loader.load(plugin::Kind::kStore, "memory");
  ASSERT_TRUE(loaded.isOk()) << loaded.status().toString();
  const plugin::Descriptor& descriptor = *loaded.value();
  EXPECT_EQ(descriptor.abiVersion, plugin::kAbiVersion);
  EXPECT_STREQ(descriptor.sdkVersion, CPE_SDK_VERSION);
  EXPECT_STREQ(descriptor.build.sanitizers, plugin::kThisBuild.sanitizers);
  EXPECT_STREQ(descriptor.build.standardLibraryAbi, plugin::kThisBuild.standardLibraryAbi);
  const std::string described = plugin::describeBuild(descriptor);
  EXPECT_NE(described.find(std::string("SDK ") + CPE_SDK_VERSION), std::string::npos) << described;
  EXPECT_NE(described.find(plugin::kThisBuild.compiler), std::string::npos) << described;
}

// What a host refuses is only what would break in its process; the
// out-of-tree plugin test (tests/sdk) shows the same with real builds.
constexpr plugin::BuildTraits kHost{"libstdc++ cxx11", "address", "gcc 12.2.0", "on"};

TEST(PluginCompatibility, AnotherCompilerOrAReleaseBuildIsAccepted) {
  const plugin::BuildTraits releasePlugin{"libstdc++ cxx11", "address", "clang 14.0.6", "off"};
  EXPECT_TRUE(plugin::checkCompatible(releasePlugin, kHost).isOk());
}

TEST(PluginCompatibility, AnotherStandardLibraryAbiIsRefusedNamingBothSides) {
  const plugin::BuildTraits plugin{"libstdc++ pre-cxx11", "address", "gcc 12.2.0", "on"};
  const Status refused = plugin::checkCompatible(plugin, kHost);
  ASSERT_FALSE(refused.isOk());
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("'libstdc++ pre-cxx11'"), std::string::npos)
      << refused.message();
  EXPECT_NE(refused.message().find("host with 'libstdc++ cxx11'"), std::string::npos)
      << refused.message();
}

TEST(PluginCompatibility, OtherSanitizersAreRefusedNamingBothSides) {
  const plugin::BuildTraits plugin{"libstdc++ cxx11", "none", "gcc 12.2.0", "off"};
  const Status refused = plugin::checkCompatible(plugin, kHost);
  ASSERT_FALSE(refused.isOk());
  EXPECT_NE(refused.message().find("sanitizers 'none', host with 'address'"), std::string::npos)
      << refused.message();
}

}  // namespace
}  // namespace cpe::testing
