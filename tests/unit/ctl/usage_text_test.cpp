#include "usage_text.h"

#include <gtest/gtest.h>

namespace cpe::ctl {
namespace {

TEST(CtlUsageText, TheOverviewListsEveryExitCodeAndVariable) {
  const std::string text = usageText(Command::kHelp);
  for (const char* line : {"  0  ", "  2  ", "  3  ", "  4  ", "  5  ", "  6  ", "  7  ", "CPE_URL",
                           "CPE_CA_FILE", "CPE_TOKEN"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line;
  }
}

TEST(CtlUsageText, EachCommandListsItsOwnOptions) {
  EXPECT_NE(usageText(Command::kPost).find("--password-file"), std::string::npos);
  EXPECT_NE(usageText(Command::kPost).find("visible to other users in ps"), std::string::npos);
  EXPECT_NE(usageText(Command::kStatus).find("--max-wait"), std::string::npos);
  EXPECT_NE(usageText(Command::kHistory).find("--all"), std::string::npos);
  EXPECT_EQ(usageText(Command::kHistory).find("--wait"), std::string::npos);
}

}  // namespace
}  // namespace cpe::ctl
