#include "progress_line.h"

#include <gtest/gtest.h>

#include <sstream>

namespace cpe::ctl {
namespace {

using namespace std::chrono_literals;

TEST(CtlProgressLine, TextIsElapsedSecondsThenStatus) {
  EXPECT_EQ(progressText(0s, "Task is still running"), "   0 s  Task is still running");
  EXPECT_EQ(progressText(12s + 900ms, "x"), "  12 s  x");
  EXPECT_EQ(progressText(12345s, "x"), "12345 s  x");
}

TEST(CtlProgressLine, WritesNothingWhenNotLive) {
  std::ostringstream out;
  {
    ProgressLine line(out, false, std::chrono::steady_clock::now());
    line.show("Task is still running");
    line.finish();
  }
  EXPECT_EQ(out.str(), "");
}

// The line is redrawn in place and, once finished, erased: the final
// answer then starts on a clean line.
TEST(CtlProgressLine, DrawsInPlaceAndClearsWhenFinished) {
  std::ostringstream out;
  ProgressLine line(out, true, std::chrono::steady_clock::now());
  line.show("Task is still running");
  line.finish();
  const std::string text = out.str();
  EXPECT_EQ(text.rfind("\r\x1b[K   0 s  Task is still running", 0), 0u) << text;
  EXPECT_EQ(text.substr(text.size() - 4), "\r\x1b[K") << "ends erased";
  EXPECT_EQ(text.find('\n'), std::string::npos) << "never a new line";
  line.show("after the end");
  EXPECT_EQ(out.str(), text) << "nothing after finish()";
}

}  // namespace
}  // namespace cpe::ctl
