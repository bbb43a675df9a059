// Every example configuration under config/ is accepted as shipped: the host
// reads its own keys, and each plugin it names accepts its keys, so a
// documented key can never drift from the code.
#include <Poco/AutoPtr.h>
#include <Poco/Util/PropertyFileConfiguration.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "cpe/plugin_loader.h"
#include "cpe/server/logging/log_format.h"
#include "host_options.h"
#include "running_services.h"
#include "test_paths.h"

namespace cpe::testing {
namespace {

class ExampleConfig : public ::testing::TestWithParam<std::string> {};

TEST_P(ExampleConfig, IsAcceptedByTheHostAndItsPlugins) {
  Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> file =
      new Poco::Util::PropertyFileConfiguration(std::string(CPE_SOURCE_DIR) + "/config/" +
                                                GetParam());
  // What layerConfiguration provides: the file's folder, here one holding
  // the callers file the examples name.
  const std::string configDir = freshDir("example-config") + "/";
  std::ofstream(configDir + "api-tokens.properties")
      << "portal.sha256 = " << std::string(64, 'a') << "\nportal.scopes = tasks:write\n";
  std::ofstream(configDir + "credentials.key") << std::string(64, 'b') << "\n";
  file->setString("configDir", configDir);
  const host::HostOptions options = host::readHostOptions(*file, pluginDir());
  EXPECT_TRUE(options.roles.api && options.roles.worker && options.roles.results);
  // Authentication is on in every example but the development one
  // (README, Security), and then its callers come from the tokens file.
  const bool development = GetParam() == "host-sqlite-rabbitmq.properties";
  EXPECT_EQ(options.auth.enabled, !development);
  EXPECT_EQ(options.auth.tokens.size(), development ? 0u : 1u);
  // So are sealed credentials (README, Security).
  EXPECT_EQ(options.security.credentialsKeyFile.empty(), development);
  EXPECT_EQ(options.security.allowPlaintextCredentials, development);
  EXPECT_EQ(logging::readLogFormat(*file), logging::LogFormat::kText);
  // The examples leave the results prefetch to follow the threads: raising
  // only results.threads past 64 must not make the file refused.
  file->setString("results.threads", "128");
  EXPECT_EQ(host::readHostOptions(*file, pluginDir()).results.prefetch, 128);
  file->setString("results.threads", std::to_string(options.results.threads));

  const plugin::PluginLoader loader(pluginDir());
  const auto store = loader.load(plugin::Kind::kStore, options.storePlugin);
  ASSERT_TRUE(store.isOk()) << store.status().toString();
  const auto storeSettings =
      plugin::PluginLoader::settingsFor(*store.value(), *file, "store." + options.storePlugin);
  EXPECT_TRUE(storeSettings.isOk()) << storeSettings.status().toString();

  const auto broker = loader.load(plugin::Kind::kBroker, options.brokerPlugin);
  ASSERT_TRUE(broker.isOk()) << broker.status().toString();
  const auto brokerSettings =
      plugin::PluginLoader::settingsFor(*broker.value(), *file, "broker." + options.brokerPlugin);
  EXPECT_TRUE(brokerSettings.isOk()) << brokerSettings.status().toString();
  // Every key the plugin declares is documented in the file.
  for (std::size_t i = 0; i < broker.value()->keyCount; ++i) {
    const std::string key = "broker." + options.brokerPlugin + "." + broker.value()->keys[i].name;
    EXPECT_TRUE(file->hasProperty(key)) << GetParam() << " does not document " << key;
  }
  for (std::size_t i = 0; i < store.value()->keyCount; ++i) {
    const std::string key = "store." + options.storePlugin + "." + store.value()->keys[i].name;
    EXPECT_TRUE(file->hasProperty(key)) << GetParam() << " does not document " << key;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Files, ExampleConfig,
    ::testing::Values("host-memory-rabbitmq.properties", "host-sqlite-rabbitmq.properties",
                      "host-postgres-rabbitmq.properties", "host-memory-proton.properties",
                      "host-sqlite-proton.properties", "host-postgres-proton.properties"),
    [](const auto& param) {
      std::string name = param.param.substr(0, param.param.find('.'));
      for (char& c : name) {
        if (c == '-') c = '_';
      }
      return name;
    });

}  // namespace
}  // namespace cpe::testing
