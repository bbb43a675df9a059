#include "auth/api_tokens.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace cpe::host::auth {
namespace {

ApiToken tokenNamed(const std::string& name, const std::string& secret) {
  ApiToken token;
  token.name = name;
  token.tokenHash = sha256(secret);
  token.scopes.add(Scope::kTasksRead);
  return token;
}

TEST(Sha256, IsTheKnownDigest) {
  // FIPS 180-2, appendix B.1.
  EXPECT_EQ(toHex(sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, HexIsReadInEitherCaseAndNothingElse) {
  const std::string hex = toHex(sha256("abc"));
  std::string upper = hex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(parseSha256Hex(hex), sha256("abc"));
  EXPECT_EQ(parseSha256Hex(upper), sha256("abc"));
  EXPECT_FALSE(parseSha256Hex(hex.substr(1)));
  EXPECT_FALSE(parseSha256Hex(hex + "0"));
  EXPECT_FALSE(parseSha256Hex("g" + hex.substr(1)));
  EXPECT_FALSE(parseSha256Hex(""));
}

TEST(TokenRegistry, FindsTheCallerWhoseHashMatchesAndNoOtherOne) {
  const TokenRegistry registry({tokenNamed("portal", "secret-one"),
                                tokenNamed("billing", "secret-two")});
  ASSERT_NE(registry.findByBearer("secret-two"), nullptr);
  EXPECT_EQ(registry.findByBearer("secret-two")->name, "billing");
  EXPECT_EQ(registry.findByBearer("secret-one")->name, "portal");
  EXPECT_EQ(registry.findByBearer("secret-on"), nullptr);
  EXPECT_EQ(registry.findByBearer(""), nullptr);
  // The hash itself is no token.
  EXPECT_EQ(registry.findByBearer(toHex(sha256("secret-one"))), nullptr);
}

TEST(TokenRegistry, ACertificateOnlyCallerHasNoToken) {
  ApiToken byCertificate;
  byCertificate.name = "robot";
  byCertificate.certificateSubject = "CN=robot";
  const TokenRegistry registry({byCertificate});
  EXPECT_EQ(registry.findByBearer(""), nullptr);
  EXPECT_EQ(registry.findByBearer("anything"), nullptr);
  ASSERT_NE(registry.findBySubject("CN=robot"), nullptr);
  EXPECT_EQ(registry.findBySubject("CN=robot")->name, "robot");
  EXPECT_EQ(registry.findBySubject("CN=robot2"), nullptr);
  EXPECT_EQ(registry.findBySubject(""), nullptr);
}

TEST(NewToken, IsRandomUrlSafeAndItsHashIsGiven) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const NewToken made = makeNewToken();
    // "cpe_" and 256 bits in base64url without padding: 43 characters.
    EXPECT_TRUE(std::regex_match(made.token, std::regex("^cpe_[A-Za-z0-9_-]{43}$"))) << made.token;
    EXPECT_EQ(made.sha256Hex, toHex(sha256(made.token)));
    EXPECT_TRUE(seen.insert(made.token).second) << "a token came twice";
  }
}

TEST(CallerName, IsAConfigKeyPart) {
  EXPECT_TRUE(isValidCallerName("portal"));
  EXPECT_TRUE(isValidCallerName("ops-team_2"));
  EXPECT_TRUE(isValidCallerName(std::string(64, 'a')));
  EXPECT_FALSE(isValidCallerName(std::string(65, 'a')));
  EXPECT_FALSE(isValidCallerName(""));
  EXPECT_FALSE(isValidCallerName("a.b"));
  EXPECT_FALSE(isValidCallerName("a b"));
}

}  // namespace
}  // namespace cpe::host::auth
