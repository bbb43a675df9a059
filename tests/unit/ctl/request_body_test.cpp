#include "request_body.h"

#include <Poco/File.h>
#include <Poco/TemporaryFile.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <utility>

namespace cpe::ctl {
namespace {

constexpr const char* kPassword = "s3cret-Never-Printed";

EnvironmentLookup lookupIn(std::map<std::string, std::string> environment) {
  return [environment =
              std::move(environment)](const std::string& name) -> std::optional<std::string> {
    const auto it = environment.find(name);
    if (it == environment.end()) return std::nullopt;
    return it->second;
  };
}

PostOptions fullFlags() {
  PostOptions post;
  post.device = "ABC123";
  post.username = "admin";
  post.password = {PasswordSource::Kind::kLiteral, kPassword};
  post.vlan = 534;
  post.interfaces = {1, 2, 3, 4};
  post.timeoutSeconds = 14;
  return post;
}

// A file for the test, removed with it.
class TextFile {
 public:
  explicit TextFile(const std::string& text) { std::ofstream(file_.path()) << text; }
  std::string path() const { return file_.path(); }

 private:
  Poco::TemporaryFile file_;
};

std::string built(const PostOptions& post, const std::string& input = "",
                  std::map<std::string, std::string> environment = {}) {
  std::istringstream in(input);
  auto body = buildRequestBody(post, lookupIn(std::move(environment)), in);
  if (auto* error = std::get_if<UsageError>(&body)) {
    ADD_FAILURE() << "refused: " << error->message;
    return "";
  }
  return std::get<std::string>(body);
}

std::string refusal(const PostOptions& post, const std::string& input = "") {
  std::istringstream in(input);
  auto body = buildRequestBody(post, lookupIn({}), in);
  if (std::holds_alternative<std::string>(body)) {
    ADD_FAILURE() << "accepted";
    return "";
  }
  std::string message = std::get<UsageError>(body).message;
  EXPECT_EQ(message.find(kPassword), std::string::npos) << message;
  return message;
}

TEST(CtlRequestBody, FlagsMakeTheContractsBody) {
  EXPECT_EQ(built(fullFlags()),
            std::string(R"({"timeoutInSeconds":14,"parameters":{"username":"admin","password":")") +
                kPassword + R"(","vlan":534,"interfaces":[1,2,3,4]}})");
}

TEST(CtlRequestBody, ThePasswordComesFromAFileOrAVariable) {
  PostOptions post = fullFlags();
  post.vlan.reset();
  const TextFile file(std::string(kPassword) + "\r\nsecond line ignored\n");
  post.password = {PasswordSource::Kind::kFile, file.path()};
  EXPECT_NE(built(post).find(std::string(R"("password":")") + kPassword + "\""), std::string::npos);

  post.password = {PasswordSource::Kind::kEnvironment, "DEVICE_PASSWORD"};
  EXPECT_NE(
      built(post, "", {{"DEVICE_PASSWORD", "from-variable"}}).find(R"("password":"from-variable")"),
      std::string::npos);
  EXPECT_EQ(refusal(post), "--password-env DEVICE_PASSWORD: the variable is not set");

  post.password = {PasswordSource::Kind::kFile, "/nonexistent/pw"};
  EXPECT_EQ(refusal(post), "--password-file /nonexistent/pw: cannot be read");
}

TEST(CtlRequestBody, FlagsSetTheirFieldsOverTheFileAndKeepTheRest) {
  const TextFile file(
      R"({"timeoutInSeconds":5,"note":"kept","parameters":{"username":"old","extra":{"a":1},)"
      R"("interfaces":[9]}})");
  PostOptions post;
  post.requestFile = file.path();
  post.timeoutSeconds = 14;
  post.password = {PasswordSource::Kind::kLiteral, "pw"};
  EXPECT_EQ(
      built(post),
      R"({"timeoutInSeconds":14,"note":"kept","parameters":{"username":"old","extra":{"a":1},)"
      R"("interfaces":[9],"password":"pw"}})");
}

TEST(CtlRequestBody, DashReadsTheFileFromStandardInput) {
  PostOptions post;
  post.requestFile = "-";
  const std::string body =
      R"({"timeoutInSeconds":3,"parameters":{"username":"u","password":"","interfaces":[1]}})";
  EXPECT_EQ(built(post, body), body);
}

TEST(CtlRequestBody, NamesTheFlagOfEachMissingField) {
  PostOptions post = fullFlags();
  post.timeoutSeconds.reset();
  EXPECT_EQ(refusal(post), "--timeout is required");
  post = fullFlags();
  post.username.reset();
  EXPECT_EQ(refusal(post), "--username is required");
  post = fullFlags();
  post.password = {};
  EXPECT_EQ(refusal(post), "a password is required: --password-file, --password-env or --password");
  post = fullFlags();
  post.interfaces.clear();
  EXPECT_EQ(refusal(post), "--interface is required");
}

TEST(CtlRequestBody, AFileThatIsNoJsonObjectIsRefusedWithoutQuotingIt) {
  PostOptions post = fullFlags();
  post.requestFile = "-";
  const std::string leaky = std::string(R"({"parameters":{"password":")") + kPassword + "\"";
  EXPECT_EQ(refusal(post, leaky), "--file -: not a JSON object");
  EXPECT_EQ(refusal(post, "[1,2]"), "--file -: not a JSON object");
  EXPECT_EQ(refusal(post, R"({"parameters":[1]})"), "--file -: parameters must be a JSON object");
  EXPECT_EQ(refusal(post, std::string(std::size_t{70} * 1024, ' ') + "{}"),
            "--file -: over 64 KiB, more than the service takes");
  post.requestFile = "/nonexistent/request.json";
  EXPECT_EQ(refusal(post), "--file /nonexistent/request.json: cannot be read");
}

}  // namespace
}  // namespace cpe::ctl
