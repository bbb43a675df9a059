#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "cpe/sdk/plugin_settings.h"

namespace cpe::plugin {
namespace {

std::vector<std::string_view> entriesOf(std::string_view text) {
  const auto entries = splitList(text);
  EXPECT_TRUE(entries.isOk()) << text;
  return entries.isOk() ? entries.value() : std::vector<std::string_view>{};
}

TEST(SplitList, GivesEachEntryWithoutTheBlanksAroundIt) {
  EXPECT_EQ(entriesOf("a"), (std::vector<std::string_view>{"a"}));
  EXPECT_EQ(entriesOf(" a ,b,\tc d "), (std::vector<std::string_view>{"a", "b", "c d"}));
}

TEST(SplitList, RefusesAnEmptyEntryAnywhere) {
  for (const std::string_view text : {"", " ", "a,,b", ",a", "a,", "a, ,b"}) {
    const auto entries = splitList(text);
    ASSERT_FALSE(entries.isOk()) << "'" << text << "'";
    EXPECT_EQ(entries.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(entries.status().message(), "an entry is empty");
  }
}

}  // namespace
}  // namespace cpe::plugin
