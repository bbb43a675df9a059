#include "cpe/wait_seconds.h"

#include <gtest/gtest.h>

#include <string>

namespace cpe {
namespace {

using std::chrono::seconds;

constexpr const char* kPath = "/api/v1/equipment/cpe/ABC123/task/t";

std::string uriWith(const std::string& query) { return std::string(kPath) + "?" + query; }

// The 400 message for `query`, or "" if it parses.
std::string refusal(const std::string& query) {
  const auto parsed = parseWaitSeconds(uriWith(query));
  const auto* error = std::get_if<RequestError>(&parsed);
  if (error == nullptr) return "";
  EXPECT_EQ(error->httpStatus, 400);
  return error->message;
}

seconds accepted(const std::string& query) {
  const auto parsed = parseWaitSeconds(uriWith(query));
  EXPECT_TRUE(std::holds_alternative<seconds>(parsed)) << query;
  return std::holds_alternative<seconds>(parsed) ? std::get<seconds>(parsed) : seconds(-1);
}

TEST(WaitSeconds, NoParameterMeansNoWait) {
  EXPECT_EQ(std::get<seconds>(parseWaitSeconds(kPath)), seconds::zero());
  EXPECT_EQ(accepted(""), seconds::zero());
  EXPECT_EQ(accepted("other=1&more"), seconds::zero());
  EXPECT_EQ(accepted("waitseconds=0"), seconds::zero()) << "names are case-sensitive";
}

TEST(WaitSeconds, AcceptsIntegersFromOneToSixty) {
  EXPECT_EQ(accepted("waitSeconds=1"), seconds(1));
  EXPECT_EQ(accepted("waitSeconds=30"), seconds(30));
  EXPECT_EQ(accepted("waitSeconds=60"), seconds(60));
  EXPECT_EQ(accepted("a=b&waitSeconds=7&c=d"), seconds(7));
  EXPECT_EQ(accepted("waitSeconds=%33%30"), seconds(30)) << "percent-encoded digits";
  EXPECT_EQ(accepted("wait%53econds=5"), seconds(5)) << "percent-encoded name";
  EXPECT_EQ(accepted("waitSeconds=007"), seconds(7));
}

TEST(WaitSeconds, RefusesValuesOutOfRangeNamingTheParameter) {
  const std::string expected = "waitSeconds must be an integer from 1 to 60";
  for (const char* value : {"0", "61", "100", "999999999", "9999999999999999999999"}) {
    EXPECT_EQ(refusal(std::string("waitSeconds=") + value), expected) << value;
  }
}

TEST(WaitSeconds, RefusesWhatIsNotAnInteger) {
  const std::string expected = "waitSeconds must be an integer from 1 to 60";
  for (const char* query :
       {"waitSeconds", "waitSeconds=", "waitSeconds=abc", "waitSeconds=1.5", "waitSeconds=-5",
        "waitSeconds=+5", "waitSeconds=%2B5", "waitSeconds=5%20", "waitSeconds=%205",
        "waitSeconds=1e1", "waitSeconds=0x10", "waitSeconds=%zz", "waitSeconds=5s"}) {
    EXPECT_EQ(refusal(query), expected) << query;
  }
}

TEST(WaitSeconds, RefusesTheParameterGivenTwice) {
  const std::string expected = "waitSeconds must be given at most once";
  EXPECT_EQ(refusal("waitSeconds=5&waitSeconds=5"), expected);
  EXPECT_EQ(refusal("waitSeconds=5&x=1&waitSeconds=9"), expected);
  EXPECT_EQ(refusal("waitSeconds=5&wait%53econds=5"), expected);
}

TEST(WaitSeconds, AMalformedEscapeInAnotherParameterIsIgnoredAsBefore) {
  EXPECT_EQ(accepted("x=%zz"), seconds::zero());
  EXPECT_EQ(accepted("%zz=1&waitSeconds=3"), seconds(3));
}

}  // namespace
}  // namespace cpe
