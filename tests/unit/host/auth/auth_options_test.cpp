#include "auth/auth_options.h"

#include <Poco/AutoPtr.h>
#include <Poco/File.h>
#include <Poco/TemporaryFile.h>
#include <Poco/Util/MapConfiguration.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>

namespace cpe::host::auth {
namespace {

using config::ConfigError;

const std::string kHash = toHex(sha256("a-token"));

AuthOptions read(const std::map<std::string, std::string>& values, bool servesApi = true) {
  Poco::AutoPtr<Poco::Util::MapConfiguration> map = new Poco::Util::MapConfiguration;
  for (const auto& [key, value] : values) map->setString(key, value);
  config::ConfigReader reader(*map);
  AuthOptions options = readAuthOptions(reader, servesApi);
  reader.refuseUnknownKeys("api");
  return options;
}

// The message of the ConfigError `values` cause; empty if none.
std::string refusal(const std::map<std::string, std::string>& values, bool servesApi = true) {
  try {
    read(values, servesApi);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

TEST(AuthOptions, AreOnByDefaultAndThenNeedACaller) {
  EXPECT_NE(refusal({}).find("no caller is configured"), std::string::npos) << refusal({});
  EXPECT_EQ(refusal({}, /*servesApi=*/false), "") << "a worker-only host has no API to guard";
  const AuthOptions off = read({{"api.auth.enabled", "false"}});
  EXPECT_FALSE(off.enabled);
}

TEST(AuthOptions, RefuseATokenOnTheOpsPortWithAuthenticationOff) {
  EXPECT_EQ(refusal({{"api.auth.enabled", "false"}, {"ops.endpointsNeedToken", "true"}}),
            "ops.endpointsNeedToken = true needs api.auth.enabled = true (with it off, no token "
            "is checked anywhere)");
}

TEST(AuthOptions, ReadCallersWithTheirScopesAndDefaults) {
  const AuthOptions options = read({{"api.auth.tokens.portal.sha256", kHash},
                                    {"api.auth.tokens.portal.scopes", "tasks:write, tasks:read"},
                                    {"api.auth.tokens.robot.certificateSubject", "CN=robot"},
                                    {"api.auth.tokens.robot.scopes", "ops:read"},
                                    {"api.auth.tokens.robot.requestsPerSecond", "2.5"}});
  EXPECT_TRUE(options.enabled);
  EXPECT_FALSE(options.opsOpenOnApiPort);
  EXPECT_FALSE(options.opsPortNeedsToken);
  EXPECT_EQ(options.requestsPerSecond, 0);
  ASSERT_EQ(options.tokens.size(), 2u);
  const ApiToken& portal = options.tokens[0].name == "portal" ? options.tokens[0] : options.tokens[1];
  const ApiToken& robot = options.tokens[0].name == "robot" ? options.tokens[0] : options.tokens[1];
  EXPECT_EQ(portal.tokenHash, sha256("a-token"));
  EXPECT_TRUE(portal.scopes.has(Scope::kTasksWrite));
  EXPECT_TRUE(portal.scopes.has(Scope::kTasksRead));
  EXPECT_FALSE(portal.scopes.has(Scope::kOpsRead));
  EXPECT_FALSE(robot.tokenHash);
  EXPECT_EQ(robot.certificateSubject, "CN=robot");
  EXPECT_TRUE(robot.scopes.has(Scope::kOpsRead));
  EXPECT_EQ(robot.requestsPerSecond, 2.5);
}

TEST(AuthOptions, RefuseWhatWouldLetTheWrongCallerInOrNobody) {
  const auto scoped = [](std::map<std::string, std::string> values) {
    values.emplace("api.auth.tokens.portal.scopes", "tasks:read");
    return values;
  };
  EXPECT_NE(refusal(scoped({{"api.auth.tokens.portal.sha256", "abc"}})).find("64 hex digits"),
            std::string::npos);
  EXPECT_NE(refusal(scoped({})).find("sha256 or"), std::string::npos) << "no way to be the caller";
  EXPECT_NE(refusal({{"api.auth.tokens.portal.sha256", kHash}}).find("scopes"), std::string::npos);
  EXPECT_NE(refusal({{"api.auth.tokens.portal.sha256", kHash},
                     {"api.auth.tokens.portal.scopes", "tasks:delete"}})
                .find("unknown scope 'tasks:delete'"),
            std::string::npos);
  EXPECT_NE(refusal({{"api.auth.tokens.a.sha256", kHash},
                     {"api.auth.tokens.a.scopes", "tasks:read"},
                     {"api.auth.tokens.b.sha256", kHash},
                     {"api.auth.tokens.b.scopes", "tasks:write"}})
                .find("same sha256"),
            std::string::npos);
  EXPECT_NE(refusal(scoped({{"api.auth.tokens.portal.sha256", kHash},
                            {"api.auth.tokens.portal.sha265", kHash}}))
                .find("api.auth.tokens.portal.sha265"),
            std::string::npos)
      << "a misspelt key is refused";
  EXPECT_NE(refusal(scoped({{"api.auth.tokens.portal.sha256", kHash},
                            {"api.auth.opsEndpoints", "sometimes"}}))
                .find("api.auth.opsEndpoints"),
            std::string::npos);
}

TEST(AuthOptions, ReadCallersFromTheTokensFile) {
  Poco::TemporaryFile file;
  std::ofstream(file.path()) << "# callers\nportal.sha256 = " << kHash
                             << "\nportal.scopes = tasks:write\n";
  const AuthOptions options = read({{"api.auth.tokensFile", file.path()}});
  ASSERT_EQ(options.tokens.size(), 1u);
  EXPECT_EQ(options.tokens[0].name, "portal");
  EXPECT_TRUE(options.tokens[0].scopes.has(Scope::kTasksWrite));

  std::ofstream(file.path()) << "portal.sha256 = " << kHash
                             << "\nportal.scopes = tasks:write\nportal.scope = ops:read\n";
  EXPECT_NE(refusal({{"api.auth.tokensFile", file.path()}}).find("portal.scope"),
            std::string::npos);
  EXPECT_NE(refusal({{"api.auth.tokensFile", file.path() + ".missing"}}).find("tokensFile"),
            std::string::npos);
}

}  // namespace
}  // namespace cpe::host::auth
