#include "cpe/equipment_id.h"

#include <gtest/gtest.h>

namespace cpe {
namespace {

TEST(EquipmentId, AcceptsSixOrMoreAsciiLettersAndDigits) {
  EXPECT_TRUE(isValidEquipmentId("ABC123"));
  EXPECT_TRUE(isValidEquipmentId("abcdef"));
  EXPECT_TRUE(isValidEquipmentId("000000"));
  EXPECT_TRUE(isValidEquipmentId("aB3dE5fG7hI9jK1lM3"));
  EXPECT_TRUE(isValidEquipmentId(std::string(1000, 'x')));
}

TEST(EquipmentId, RefusesFewerThanSixCharacters) {
  EXPECT_FALSE(isValidEquipmentId(""));
  EXPECT_FALSE(isValidEquipmentId("A"));
  EXPECT_FALSE(isValidEquipmentId("ABC12"));
}

TEST(EquipmentId, RefusesAnythingButAsciiLettersAndDigits) {
  EXPECT_FALSE(isValidEquipmentId("ABC-123"));
  EXPECT_FALSE(isValidEquipmentId("ABC_123"));
  EXPECT_FALSE(isValidEquipmentId("ABC 123"));
  EXPECT_FALSE(isValidEquipmentId("ABC123\n"));
  EXPECT_FALSE(isValidEquipmentId("ABC%20123"));
  EXPECT_FALSE(
      isValidEquipmentId("\xc3\xa9t\xc3\xa9"
                         "1234"));  // é is a letter, not ASCII
  EXPECT_FALSE(
      isValidEquipmentId(std::string("ABC\0"
                                     "123",
                                     7)));
}

}  // namespace
}  // namespace cpe
