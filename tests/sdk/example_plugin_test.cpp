// A store plugin built outside this tree against the installed SDK
// (examples/plugins), loaded into a running cpe-host by path. Run by
// out_of_tree_plugin.sh, which builds the plugin and names it in
// $CPE_EXAMPLE_STORE_PLUGIN (and a copy built without this build's
// sanitizers in $CPE_MISMATCHED_STORE_PLUGIN, when there are any).

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "cpe/sdk/plugin.h"
#include "running_services.h"
#include "service_process.h"
#include "test_paths.h"

namespace cpe::testing {
namespace {

using namespace std::chrono_literals;

std::string fromEnvironment(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

constexpr const char* kBody =
    R"({"timeoutInSeconds":14,"parameters":{"username":"admin","password":"pw","interfaces":[1]}})";

class ExamplePlugin : public ::testing::Test {
 protected:
  void SetUp() override {
    plugin_ = fromEnvironment("CPE_EXAMPLE_STORE_PLUGIN");
    ASSERT_FALSE(plugin_.empty()) << "run through tests/sdk/out_of_tree_plugin.sh";
  }
  void TearDown() override { deleteQueues(queues_); }

  std::vector<std::string> defines(const std::string& plugin) const {
    auto defines = backendDefines(Backends{"memory", "rabbitmq"}, queues_, dir_);
    defines.push_back("store.plugin=" + plugin);
    return defines;
  }

  std::string plugin_;
  QueueNames queues_ = QueueNames::unique();
  std::string dir_ = freshDir("example-plugin");
};

TEST_F(ExamplePlugin, AHostLoadsItByPathAndATaskCompletesOnIt) {
  RunningStub stub(0.2);
  RunningHost host(dir_, stub, defines(plugin_));
  const HttpResult created = host.api().post("/api/v1/equipment/cpe/ABC123", kBody);
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string taskId = created.json()->getValue<std::string>("taskId");
  const std::string path = "/api/v1/equipment/cpe/ABC123/task/" + taskId;

  HttpResult status;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  do {
    status = host.api().get(path);
    if (status.status != 202) break;
    std::this_thread::sleep_for(100ms);
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(status.status, 200) << status.body;
  EXPECT_EQ(status.body, R"({"code":200,"message":"Completed"})");

  const std::string log = host.log();
  EXPECT_NE(log.find("loaded store plugin '" + plugin_ + "'"), std::string::npos) << log;
  EXPECT_NE(log.find("assertions off"), std::string::npos) << "a Release build, loaded by a "
                                                              "Debug host:\n"
                                                           << log;
  EXPECT_NE(log.find("complete " + taskId), std::string::npos)
      << "the plugin's own log line for the result:\n"
      << log;
}

TEST_F(ExamplePlugin, ACopyBuiltWithOtherSanitizersIsRefusedNamingBothSides) {
  const std::string mismatched = fromEnvironment("CPE_MISMATCHED_STORE_PLUGIN");
  if (mismatched.empty()) GTEST_SKIP() << "this build uses no sanitizers to mismatch";
  std::vector<std::string> args{"-Dhost.pluginDir=" + pluginDir(), "-Dhost.roles=api",
                                "-Dapi.https.port=0",
                                "-Dapi.tls.certificateFile=" + certDir() + "/server.pem",
                                "-Dapi.tls.privateKeyFile=" + certDir() + "/server.key",
                                "-Dapi.auth.tokens.suite.sha256=" + std::string(kSuiteTokenSha256),
                                "-Dapi.auth.tokens.suite.scopes=tasks:read",
                                "-Dsecurity.credentialsKeyFile=" + suiteCredentialsKeyFile()};
  for (const auto& define : defines(mismatched)) args.push_back("-D" + define);
  ServiceProcess host(hostBinary(), args, dir_ + "/host.ready", dir_ + "/host.log");
  EXPECT_EQ(host.waitExit(60s), 78) << host.log();  // EX_CONFIG
  const std::string refusal = std::string("built with sanitizers 'none', host with '") +
                              plugin::kThisBuild.sanitizers + "'";
  EXPECT_NE(host.log().find(refusal), std::string::npos) << host.log();
}

}  // namespace
}  // namespace cpe::testing
