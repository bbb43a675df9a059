#include "cpe/hex.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace cpe {
namespace {

TEST(Hex, WritesLowerCaseTwoDigitsPerByteAndReadsEitherCaseBack) {
  const std::array<unsigned char, 4> bytes{0x00, 0x0f, 0xa5, 0xff};
  EXPECT_EQ(toHex(bytes.data(), bytes.size()), "000fa5ff");
  std::array<unsigned char, 4> read{};
  ASSERT_TRUE(fromHex("000FA5ff", read.data(), read.size()));
  EXPECT_EQ(read, bytes);
}

TEST(Hex, RefusesAnyOtherLengthOrCharacter) {
  std::array<unsigned char, 2> out{};
  for (const char* text : {"", "abc", "abcdef", "abcg", "ab d", "0x12"}) {
    EXPECT_FALSE(fromHex(text, out.data(), out.size())) << "'" << text << "'";
  }
}

}  // namespace
}  // namespace cpe
