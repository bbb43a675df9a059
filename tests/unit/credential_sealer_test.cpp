#include "cpe/credential_sealer.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace cpe {
namespace {

constexpr const char* kTask = "3f2b8c1e-8d6a-4c1e-9a57-2b8e1f0c9d44";
constexpr const char* kDevice = "ABC123";
constexpr const char* kParameters =
    R"({"username":"admin","password":"S3cret-never-seen","interfaces":[1,2]})";

CredentialKey keyOf(char fill) {
  return CredentialKey::fromFileContents(std::string(CredentialKey::kSize, fill)).value();
}

TEST(CredentialSealer, SealsSoThatNoPartOfTheParametersShowsAndOpensThemAgain) {
  const CredentialSealer sealer(keyOf('k'));
  const std::string sealed = sealer.seal(kParameters, kTask, kDevice);
  EXPECT_TRUE(CredentialSealer::looksSealed(sealed));
  EXPECT_EQ(sealed.find("S3cret"), std::string::npos);
  EXPECT_EQ(sealed.find("admin"), std::string::npos);
  const auto opened = sealer.open(sealed, kTask, kDevice);
  ASSERT_TRUE(opened.isOk()) << opened.status().toString();
  EXPECT_EQ(opened.value(), kParameters);
}

TEST(CredentialSealer, EverySealingTakesAFreshNonce) {
  const CredentialSealer sealer(keyOf('k'));
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(seen.insert(sealer.seal(kParameters, kTask, kDevice)).second);
}

TEST(CredentialSealer, ABlobMovedToAnotherTaskOrDeviceDoesNotOpen) {
  const CredentialSealer sealer(keyOf('k'));
  const std::string sealed = sealer.seal(kParameters, kTask, kDevice);
  EXPECT_FALSE(sealer.open(sealed, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", kDevice).isOk());
  EXPECT_FALSE(sealer.open(sealed, kTask, "ABC124").isOk());
  // The joint is unambiguous: moving a character between the two ids fails.
  const std::string shifted = sealer.seal("{}", "task1", "device");
  EXPECT_FALSE(sealer.open(shifted, "task", "1device").isOk());
}

TEST(CredentialSealer, AnyChangedByteFailsAuthentication) {
  const CredentialSealer sealer(keyOf('k'));
  const std::string sealed = sealer.seal(kParameters, kTask, kDevice);
  // Flip each base64 character in turn (to another valid one).
  int refused = 0;
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    if (sealed[i] == '=') continue;
    std::string changed = sealed;
    changed[i] = changed[i] == 'A' ? 'B' : 'A';
    const auto opened = sealer.open(changed, kTask, kDevice);
    if (!opened.isOk()) {
      ++refused;
    } else {
      // Only a change in the last character's unused low bits decodes to the same bytes.
      EXPECT_EQ(opened.value(), kParameters) << i;
    }
  }
  EXPECT_GE(refused, static_cast<int>(sealed.size()) - 8);
  EXPECT_FALSE(sealer.open("", kTask, kDevice).isOk());
  EXPECT_FALSE(sealer.open("QUJD", kTask, kDevice).isOk()) << "too short";
  EXPECT_FALSE(sealer.open("!!!!", kTask, kDevice).isOk());
  EXPECT_FALSE(sealer.open(kParameters, kTask, kDevice).isOk()) << "plaintext is no blob";
}

TEST(CredentialSealer, RotationSealsWithTheNewKeyAndOpensWithEitherOne) {
  const CredentialSealer before(keyOf('o'));
  const std::string old = before.seal(kParameters, kTask, kDevice);
  const CredentialSealer after(keyOf('n'), {keyOf('o')});
  EXPECT_EQ(after.open(old, kTask, kDevice).value(), kParameters);
  const std::string fresh = after.seal(kParameters, kTask, kDevice);
  EXPECT_FALSE(before.open(fresh, kTask, kDevice).isOk()) << "the old key cannot open new blobs";
  const CredentialSealer retired(keyOf('n'));
  const auto refused = retired.open(old, kTask, kDevice);
  ASSERT_FALSE(refused.isOk());
  EXPECT_NE(refused.status().message().find(keyOf('o').idHex()), std::string::npos)
      << refused.status().message();
}

TEST(CredentialKey, IsReadAsRawBytesOrHexAndNothingElse) {
  const std::string hex(64, 'a');
  const auto fromHex = CredentialKey::fromFileContents(hex + "\n");
  ASSERT_TRUE(fromHex.isOk());
  EXPECT_EQ(fromHex.value().bytes()[0], 0xaa);
  EXPECT_EQ(fromHex.value().id(), CredentialKey::fromFileContents(std::string(32, '\xaa')).value().id());
  EXPECT_FALSE(CredentialKey::fromFileContents("").isOk());
  EXPECT_FALSE(CredentialKey::fromFileContents(std::string(31, 'k')).isOk());
  EXPECT_FALSE(CredentialKey::fromFileContents(std::string(63, 'a')).isOk());
  EXPECT_FALSE(CredentialKey::fromFileContents(std::string(64, 'g')).isOk());
  const auto refused = CredentialKey::fromFileContents("hunter2-hunter2");
  EXPECT_EQ(refused.status().message().find("hunter2"), std::string::npos)
      << "the message never repeats what it read";
  EXPECT_NE(keyOf('a').id(), keyOf('b').id());
  EXPECT_EQ(keyOf('a').idHex().size(), 8u);
}

}  // namespace
}  // namespace cpe
