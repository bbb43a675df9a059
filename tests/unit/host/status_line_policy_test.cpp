#include "api/status_line_policy.h"

#include <gtest/gtest.h>

namespace cpe::host::api {
namespace {

TEST(StatusLinePolicy, MirrorAnswers202ForStillRunningAndTheCodeOtherwise) {
  EXPECT_EQ(statusLineFor(StatusLinePolicy::kMirror, 204).httpStatus, 202);
  EXPECT_TRUE(statusLineFor(StatusLinePolicy::kMirror, 204).withBody);
  for (int code : {200, 400, 404, 413, 500, 503}) {
    EXPECT_EQ(statusLineFor(StatusLinePolicy::kMirror, code).httpStatus, code);
  }
}

TEST(StatusLinePolicy, Bare204DropsTheBodyOnlyForStillRunning) {
  EXPECT_EQ(statusLineFor(StatusLinePolicy::kBare204, 204).httpStatus, 204);
  EXPECT_FALSE(statusLineFor(StatusLinePolicy::kBare204, 204).withBody);
  EXPECT_TRUE(statusLineFor(StatusLinePolicy::kBare204, 404).withBody);
  EXPECT_EQ(statusLineFor(StatusLinePolicy::kBare204, 500).httpStatus, 500);
}

TEST(StatusLinePolicy, EnvelopeAlwaysAnswers200WithTheBody) {
  for (int code : {200, 204, 400, 404, 500, 503}) {
    EXPECT_EQ(statusLineFor(StatusLinePolicy::kEnvelope, code).httpStatus, 200);
    EXPECT_TRUE(statusLineFor(StatusLinePolicy::kEnvelope, code).withBody);
  }
}

TEST(StatusLinePolicy, ParsesItsThreeNames) {
  EXPECT_EQ(parseStatusLinePolicy("mirror"), StatusLinePolicy::kMirror);
  EXPECT_EQ(parseStatusLinePolicy("bare204"), StatusLinePolicy::kBare204);
  EXPECT_EQ(parseStatusLinePolicy("envelope"), StatusLinePolicy::kEnvelope);
  EXPECT_FALSE(parseStatusLinePolicy("Mirror"));
}

}  // namespace
}  // namespace cpe::host::api
