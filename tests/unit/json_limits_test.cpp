#include "cpe/json_limits.h"

#include <gtest/gtest.h>

namespace cpe {
namespace {

TEST(CountJsonMembers, CountsTheMembersOfEveryObject) {
  EXPECT_EQ(countJsonMembers(R"({})"), 0u);
  EXPECT_EQ(countJsonMembers(R"({"a":1,"b":{"c":[{"d":2},3]}})"), 4u);
  EXPECT_EQ(countJsonMembers(R"([1,2,3])"), 0u);
}

TEST(CountJsonMembers, SkipsColonsAndQuotesInsideStrings) {
  EXPECT_EQ(countJsonMembers(R"({"a:b":"c:d"})"), 1u);
  EXPECT_EQ(countJsonMembers(R"({"a":"say \"x:y\" \\","b":"\\\":"})"), 2u);
}

}  // namespace
}  // namespace cpe
