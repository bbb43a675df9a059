#include "outcome_policy.h"

#include <gtest/gtest.h>

#include <fstream>

namespace cpe::stub {
namespace {

TEST(OutcomePolicy, WithoutSettingsEveryDeviceSucceeds) {
  OutcomePolicy policy(std::nullopt, {}, 0.0, 1);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(policy.decide("DEV" + std::to_string(100000 + i)), Outcome::kSuccess);
}

TEST(OutcomePolicy, UnknownDevicesAreNotFoundWhenAListIsGiven) {
  OutcomePolicy policy(OutcomePolicy::DeviceSet{"KNOWN1"}, {}, 0.0, 1);
  EXPECT_EQ(policy.decide("KNOWN1"), Outcome::kSuccess);
  EXPECT_EQ(policy.decide("OTHER1"), Outcome::kEquipmentNotFound);
}

TEST(OutcomePolicy, FailingDevicesAlwaysFail) {
  OutcomePolicy policy(std::nullopt, {"FAIL01"}, 0.0, 1);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(policy.decide("FAIL01"), Outcome::kProvisioningFailure);
  EXPECT_EQ(policy.decide("GOOD01"), Outcome::kSuccess);
}

TEST(OutcomePolicy, UnknownWinsOverFailing) {
  OutcomePolicy policy(OutcomePolicy::DeviceSet{"KNOWN1"}, {"FAIL01"}, 0.0, 1);
  EXPECT_EQ(policy.decide("FAIL01"), Outcome::kEquipmentNotFound);
}

std::vector<Outcome> draw(double rate, std::uint64_t seed, int count) {
  OutcomePolicy policy(std::nullopt, {}, rate, seed);
  std::vector<Outcome> outcomes;
  for (int i = 0; i < count; ++i) outcomes.push_back(policy.decide("DEVICE1"));
  return outcomes;
}

TEST(OutcomePolicy, FailureRateRepeatsForTheSameSeed) {
  EXPECT_EQ(draw(0.3, 7, 200), draw(0.3, 7, 200));
  EXPECT_NE(draw(0.3, 7, 200), draw(0.3, 8, 200));
}

TEST(OutcomePolicy, FailureRateIsRoughlyHonoured) {
  const auto outcomes = draw(0.25, 42, 4000);
  const auto failures = std::count(outcomes.begin(), outcomes.end(), Outcome::kProvisioningFailure);
  EXPECT_GT(failures, 800);
  EXPECT_LT(failures, 1200);
  const auto always = draw(1.0, 42, 50);
  EXPECT_EQ(std::count(always.begin(), always.end(), Outcome::kProvisioningFailure), 50);
}

TEST(OutcomePolicy, ReadsDeviceFilesSkippingCommentsAndBlanks) {
  const std::string path = ::testing::TempDir() + "devices.txt";
  std::ofstream(path) << "# known devices\nABC123\n\n  DEF456  # trailing comment\n";
  EXPECT_EQ(OutcomePolicy::readDeviceFile(path), (OutcomePolicy::DeviceSet{"ABC123", "DEF456"}));
  EXPECT_THROW(OutcomePolicy::readDeviceFile(path + ".missing"), std::runtime_error);
}

TEST(OutcomePolicy, StatusCodesMatchTheContract) {
  EXPECT_EQ(httpStatusOf(Outcome::kSuccess), 200);
  EXPECT_EQ(httpStatusOf(Outcome::kEquipmentNotFound), 404);
  EXPECT_EQ(httpStatusOf(Outcome::kProvisioningFailure), 500);
}

}  // namespace
}  // namespace cpe::stub
