#include "cpe/api_paths.h"

#include <gtest/gtest.h>

namespace cpe {
namespace {

TEST(ApiPaths, MatchesTheProvisioningPath) {
  const auto match = matchEquipmentPath("/api/v1/equipment/cpe/ABC123");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->equipmentId, "ABC123");
  EXPECT_FALSE(match->taskId);
}

TEST(ApiPaths, MatchesTheTaskPath) {
  const auto match = matchEquipmentPath("/api/v1/equipment/cpe/ABC123/task/t-1");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->equipmentId, "ABC123");
  EXPECT_EQ(match->taskId, "t-1");
}

TEST(ApiPaths, KeepsAnIdOfTheWrongShapeForTheCallerToJudge) {
  const auto match = matchEquipmentPath("/api/v1/equipment/cpe/ab-c");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->equipmentId, "ab-c");
}

TEST(ApiPaths, RefusesOtherPaths) {
  for (const char* path :
       {"/", "", "/api/v1/equipment/cpe", "/api/v1/equipment/cpe/", "/api/v1/equipment/cpe/ABC123/",
        "/api/v1/equipment/cpe/ABC123/task", "/api/v1/equipment/cpe/ABC123/task/",
        "/api/v1/equipment/cpe/ABC123/x/1", "/api/v1/equipment/cpe/ABC123/task/1/more",
        "/api/v2/equipment/cpe/ABC123", "/API/v1/equipment/cpe/ABC123",
        "//api/v1/equipment/cpe/ABC123"}) {
    EXPECT_FALSE(matchEquipmentPath(path)) << path;
  }
}

TEST(ApiPaths, MatchesTheHistoryPathKeepingAnyIdForTheCallerToJudge) {
  EXPECT_EQ(matchHistoryPath("/api/v1/equipment/cpe/ABC123/tasks"), "ABC123");
  EXPECT_EQ(matchHistoryPath("/api/v1/equipment/cpe/ab-c/tasks"), "ab-c");
  EXPECT_EQ(matchHistoryPath("/api/v1/equipment/cpe/tasks/tasks"), "tasks");
  // Not a history path, and not taken for one of the other two either.
  EXPECT_FALSE(matchEquipmentPath("/api/v1/equipment/cpe/ABC123/tasks"));
}

TEST(ApiPaths, RefusesOtherPathsAsHistory) {
  for (const char* path :
       {"/api/v1/equipment/cpe/tasks", "/api/v1/equipment/cpe//tasks",
        "/api/v1/equipment/cpe/ABC123/tasks/", "/api/v1/equipment/cpe/ABC123/tasksX",
        "/api/v1/equipment/cpe/A/B/tasks", "/api/v1/equipment/cpe/ABC123/task",
        "/api/v1/equipment/cpe/ABC123", "/api/v2/equipment/cpe/ABC123/tasks", "/tasks"}) {
    EXPECT_FALSE(matchHistoryPath(path)) << path;
  }
}

TEST(ApiPaths, TheWorkersPathToAIsTheOneTheRouterMatches) {
  EXPECT_EQ(equipmentPath("ABC123"), "/api/v1/equipment/cpe/ABC123");
  const auto matched = matchEquipmentPath(equipmentPath("ABC123"));
  ASSERT_TRUE(matched);
  EXPECT_EQ(matched->equipmentId, "ABC123");
  EXPECT_FALSE(matched->taskId);
}

TEST(ApiPaths, DecodesPercentEscapesAndDropsTheQuery) {
  EXPECT_EQ(decodedPath("/api/v1/equipment/cpe/AB%43123?x=1"), "/api/v1/equipment/cpe/ABC123");
  EXPECT_FALSE(decodedPath("/bad%zzescape"));
}

}  // namespace
}  // namespace cpe
