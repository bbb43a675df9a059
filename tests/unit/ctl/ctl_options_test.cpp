#include "ctl_options.h"

#include <gtest/gtest.h>

#include <map>
#include <utility>

namespace cpe::ctl {
namespace {

using Environment = std::map<std::string, std::string>;

EnvironmentLookup lookupIn(Environment environment) {
  return [environment =
              std::move(environment)](const std::string& name) -> std::optional<std::string> {
    const auto it = environment.find(name);
    if (it == environment.end()) return std::nullopt;
    return it->second;
  };
}

Invocation parsed(const std::vector<std::string>& args, Environment environment = {}) {
  auto result = parseCommandLine(args, lookupIn(std::move(environment)));
  if (auto* error = std::get_if<UsageError>(&result)) {
    ADD_FAILURE() << "refused: " << error->message;
    return {};
  }
  return std::get<Invocation>(result);
}

std::string refusal(const std::vector<std::string>& args, Environment environment = {}) {
  auto result = parseCommandLine(args, lookupIn(std::move(environment)));
  if (std::holds_alternative<Invocation>(result)) {
    ADD_FAILURE() << "accepted";
    return "";
  }
  return std::get<UsageError>(result).message;
}

TEST(CtlOptions, PostTakesEveryFieldFromFlags) {
  const Invocation invocation =
      parsed({"post", "ABC123", "--username", "admin", "--password-file", "/run/pw", "--vlan",
              "534", "--interface", "1", "--interface=2,3", "--timeout", "14", "--idempotency-key",
              "k-1", "--wait", "--max-wait", "90", "--json"});
  EXPECT_EQ(invocation.command, Command::kPost);
  EXPECT_EQ(invocation.post.device, "ABC123");
  EXPECT_EQ(invocation.post.username, "admin");
  EXPECT_EQ(invocation.post.password.kind, PasswordSource::Kind::kFile);
  EXPECT_EQ(invocation.post.password.value, "/run/pw");
  EXPECT_EQ(invocation.post.vlan, 534);
  EXPECT_EQ(invocation.post.interfaces, (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(invocation.post.timeoutSeconds, 14);
  EXPECT_EQ(invocation.post.idempotencyKey, "k-1");
  EXPECT_TRUE(invocation.wait.wait);
  EXPECT_EQ(invocation.wait.maxWait, std::chrono::seconds(90));
  EXPECT_TRUE(invocation.json);
}

TEST(CtlOptions, OptionsMayComeBeforeTheCommandAndAfterItsOperands) {
  const Invocation invocation =
      parsed({"--url", "https://b.example:9000/cpe", "status", "--wait", "ABC123", "t-1"});
  EXPECT_EQ(invocation.command, Command::kStatus);
  EXPECT_EQ(invocation.status.device, "ABC123");
  EXPECT_EQ(invocation.status.task, "t-1");
  EXPECT_EQ(invocation.connection.url, "https://b.example:9000/cpe");
  EXPECT_TRUE(invocation.wait.wait);
  EXPECT_FALSE(invocation.wait.maxWait) << "no limit unless asked";
}

TEST(CtlOptions, HistoryTakesItsPagingOptions) {
  const Invocation invocation =
      parsed({"history", "ABC123", "--limit", "5", "--after", "MTIz-_x", "--all"});
  EXPECT_EQ(invocation.command, Command::kHistory);
  EXPECT_EQ(invocation.history.device, "ABC123");
  EXPECT_EQ(invocation.history.limit, 5);
  EXPECT_EQ(invocation.history.after, "MTIz-_x");
  EXPECT_TRUE(invocation.history.all);
}

TEST(CtlOptions, ConnectionComesFromFlagsThenEnvironmentThenDefaults) {
  const Invocation defaults = parsed({"history", "ABC123"});
  EXPECT_EQ(defaults.connection.url, "https://localhost:8444");
  EXPECT_EQ(defaults.connection.caFile, "");
  EXPECT_FALSE(defaults.connection.token);

  const Environment environment{{"CPE_URL", "http://127.0.0.1:8081"},
                                {"CPE_CA_FILE", "/etc/cpe/ca.pem"},
                                {"CPE_TOKEN", "from-env"}};
  const Invocation fromEnvironment = parsed({"history", "ABC123"}, environment);
  EXPECT_EQ(fromEnvironment.connection.url, "http://127.0.0.1:8081");
  EXPECT_EQ(fromEnvironment.connection.caFile, "/etc/cpe/ca.pem");
  EXPECT_EQ(fromEnvironment.connection.token, "from-env");

  const Invocation fromFlags = parsed(
      {"history", "ABC123", "--url", "https://b:1", "--ca-file", "ca.pem", "--token", "from-flag"},
      environment);
  EXPECT_EQ(fromFlags.connection.url, "https://b:1");
  EXPECT_EQ(fromFlags.connection.caFile, "ca.pem");
  EXPECT_EQ(fromFlags.connection.token, "from-flag");

  const Invocation fromTokenFile =
      parsed({"history", "ABC123", "--token-file", "/run/token"}, environment);
  EXPECT_EQ(fromTokenFile.connection.tokenFile, "/run/token");
  EXPECT_FALSE(fromTokenFile.connection.token) << "the file wins over CPE_TOKEN";
}

TEST(CtlOptions, EmptyVariablesCountAsUnset) {
  const Invocation invocation = parsed({"history", "ABC123"}, {{"CPE_URL", ""}, {"CPE_TOKEN", ""}});
  EXPECT_EQ(invocation.connection.url, "https://localhost:8444");
  EXPECT_FALSE(invocation.connection.token);
}

TEST(CtlOptions, PasswordSourcesAreOneOfThree) {
  EXPECT_EQ(parsed({"post", "ABC123", "--password-env", "PW"}).post.password.kind,
            PasswordSource::Kind::kEnvironment);
  EXPECT_EQ(parsed({"post", "ABC123", "--password", "pw"}).post.password.kind,
            PasswordSource::Kind::kLiteral);
  EXPECT_EQ(parsed({"post", "ABC123"}).post.password.kind, PasswordSource::Kind::kNone);
  EXPECT_EQ(refusal({"post", "ABC123", "--password-env", "PW", "--password-file", "f"}),
            "give one of --password-file, --password-env and --password");
}

TEST(CtlOptions, RefusesWhatItCannotRun) {
  EXPECT_EQ(refusal({}), "no command given");
  EXPECT_EQ(refusal({"delete", "ABC123"}), "unknown command \"delete\"");
  EXPECT_EQ(refusal({"post", "ABC123", "--colour"}), "unknown option --colour");
  EXPECT_EQ(refusal({"post", "ABC123", "-x"}), "unknown option -x");
  EXPECT_EQ(refusal({"post", "ABC123", "--vlan"}), "--vlan needs a value");
  EXPECT_EQ(refusal({"post", "ABC123", "--wait=yes"}), "--wait takes no value");
  EXPECT_EQ(refusal({"post"}), "usage: cpe-ctl post DEVICE [OPTIONS]");
  EXPECT_EQ(refusal({"status", "ABC123"}), "usage: cpe-ctl status DEVICE TASK [OPTIONS]");
  EXPECT_EQ(refusal({"history", "ABC123", "extra"}), "usage: cpe-ctl history DEVICE [OPTIONS]");
  EXPECT_EQ(refusal({"history", "ABC123", "--wait"}), "history takes no --wait");
  EXPECT_EQ(refusal({"status", "ABC123", "t", "--vlan", "1"}), "status takes no --vlan");
  EXPECT_EQ(refusal({"post", "ABC123", "--limit", "1"}), "post takes no --limit");
  EXPECT_EQ(refusal({"post", "ABC123", "--vlan", "1", "--vlan", "2"}), "--vlan given twice");
  EXPECT_EQ(refusal({"status", "ABC123", "t", "--max-wait", "5"}), "--max-wait needs --wait");
  EXPECT_EQ(refusal({"history", "ABC123", "--token", "a", "--token-file", "f"}),
            "give one of --token and --token-file");
}

TEST(CtlOptions, NumbersAreWholeDecimalNumbers) {
  for (const char* bad : {"abc", "-1", "+5", "1.5", "1e3", "0x10", "", " 1", "99999999999999"}) {
    EXPECT_EQ(refusal({"post", "ABC123", "--vlan", bad}),
              std::string("--vlan must be a whole number, not \"") + bad + "\"")
        << bad;
  }
  EXPECT_EQ(refusal({"post", "ABC123", "--interface", "1,,2"}),
            "--interface takes numbers such as 1 or 1,2,3, not \"1,,2\"");
  EXPECT_EQ(refusal({"post", "ABC123", "--wait", "--max-wait", "0"}),
            "--max-wait must be a number of seconds from 1 to 604800, not \"0\"");
  // Ranges the contract sets are the service's to check: the flag passes on.
  EXPECT_EQ(parsed({"post", "ABC123", "--vlan", "5000"}).post.vlan, 5000);
}

TEST(CtlOptions, UrlsMustBeHttpOrHttpsWithAHost) {
  for (const char* bad :
       {"ftp://b", "localhost:8444", "https://", "https://b/?x=1", "https://u@b"}) {
    EXPECT_EQ(refusal({"history", "ABC123", "--url", bad}),
              std::string("--url must be http(s)://HOST[:PORT][/PATH], not \"") + bad + "\"")
        << bad;
  }
  EXPECT_EQ(refusal({"history", "ABC123"}, {{"CPE_URL", "b:1"}}),
            "CPE_URL must be http(s)://HOST[:PORT][/PATH], not \"b:1\"");
}

TEST(CtlOptions, HelpAndVersionNeedNothingElse) {
  EXPECT_EQ(parsed({"--help"}).command, Command::kHelp);
  EXPECT_EQ(parsed({"--help"}).helpTopic, Command::kHelp);
  EXPECT_EQ(parsed({"post", "--help"}).helpTopic, Command::kPost);
  EXPECT_EQ(parsed({"help", "history"}).helpTopic, Command::kHistory);
  EXPECT_EQ(parsed({"-h", "status"}).helpTopic, Command::kStatus);
  EXPECT_EQ(parsed({"--version"}).command, Command::kVersion);
  EXPECT_EQ(refusal({"help", "delete"}), "no help on \"delete\"");
}

TEST(CtlOptions, DoubleDashEndsOptions) {
  const Invocation invocation = parsed({"status", "--", "ABC123", "--wait"});
  EXPECT_EQ(invocation.status.task, "--wait");
  EXPECT_FALSE(invocation.wait.wait);
}

}  // namespace
}  // namespace cpe::ctl
