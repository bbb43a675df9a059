#include "cpe/log_text.h"

#include <gtest/gtest.h>

namespace cpe {
namespace {

TEST(LogText, KeepsPrintableAscii) { EXPECT_EQ(sanitizeForLog("ABC123-x_y"), "ABC123-x_y"); }

TEST(LogText, ReplacesSpacesControlAndNonAsciiBytes) {
  EXPECT_EQ(sanitizeForLog("a\nb\r c\x01\xc3\xa9"), "a?b??c???");
}

TEST(LogText, CutsLongTextWithAnEllipsis) {
  EXPECT_EQ(sanitizeForLog(std::string(100, 'x'), 10), std::string(10, 'x') + "...");
}

}  // namespace
}  // namespace cpe
