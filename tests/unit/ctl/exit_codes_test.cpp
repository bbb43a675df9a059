#include "exit_codes.h"

#include <gtest/gtest.h>

#include <set>

namespace cpe::ctl {
namespace {

TEST(CtlExitCodes, AreTheDocumentedNumbers) {
  // Scripts test these numbers: they are an interface (README, "cpe-ctl").
  EXPECT_EQ(toInt(ExitCode::kOk), 0);
  EXPECT_EQ(toInt(ExitCode::kInternal), 1);
  EXPECT_EQ(toInt(ExitCode::kUsage), 2);
  EXPECT_EQ(toInt(ExitCode::kNotFound), 3);
  EXPECT_EQ(toInt(ExitCode::kFailed), 4);
  EXPECT_EQ(toInt(ExitCode::kNotFinished), 5);
  EXPECT_EQ(toInt(ExitCode::kRefused), 6);
  EXPECT_EQ(toInt(ExitCode::kUnavailable), 7);
}

TEST(CtlExitCodes, ATaskStateMapsToItsOwnCode) {
  EXPECT_EQ(exitCodeForTaskCode(200), ExitCode::kOk);
  EXPECT_EQ(exitCodeForTaskCode(204), ExitCode::kNotFinished);
  EXPECT_EQ(exitCodeForTaskCode(404), ExitCode::kNotFound);
  EXPECT_EQ(exitCodeForTaskCode(500), ExitCode::kFailed);
}

TEST(CtlExitCodes, RefusalsOfTheRequestAreNotTaskStates) {
  for (int code : {400, 401, 403, 405, 408, 411, 413, 431}) {
    EXPECT_EQ(exitCodeForTaskCode(code), ExitCode::kRefused) << code;
    EXPECT_EQ(exitCodeForAnswerCode(code), ExitCode::kRefused) << code;
  }
  for (int code : {429, 502, 503, 504}) {
    EXPECT_EQ(exitCodeForTaskCode(code), ExitCode::kUnavailable) << code;
    EXPECT_EQ(exitCodeForAnswerCode(code), ExitCode::kUnavailable) << code;
  }
}

TEST(CtlExitCodes, OutsideTheTaskEndpointA500IsTheServicesOwnFailure) {
  EXPECT_EQ(exitCodeForAnswerCode(500), ExitCode::kUnavailable);
  EXPECT_EQ(exitCodeForAnswerCode(200), ExitCode::kOk);
  EXPECT_EQ(exitCodeForAnswerCode(404), ExitCode::kNotFound);
  EXPECT_EQ(exitCodeForAnswerCode(302), ExitCode::kUnavailable);
}

TEST(CtlExitCodes, EachHasItsOwnDescription) {
  std::set<std::string> descriptions;
  for (int code = 0; code <= 7; ++code) {
    const std::string text = describe(static_cast<ExitCode>(code));
    EXPECT_FALSE(text.empty()) << code;
    EXPECT_TRUE(descriptions.insert(text).second) << code;
  }
}

}  // namespace
}  // namespace cpe::ctl
