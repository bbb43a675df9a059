#include "cpe/json_answer.h"

#include <gtest/gtest.h>

namespace cpe {
namespace {

TEST(JsonAnswer, CodeThenMessage) {
  EXPECT_EQ(jsonAnswer(200, answers::kSuccess), R"({"code":200,"message":"success"})");
  EXPECT_EQ(jsonAnswer(404, answers::kEquipmentNotFound),
            R"({"code":404,"message":"The requested equipment is not found"})");
  EXPECT_EQ(jsonAnswer(500, answers::kProvisioningFailed),
            R"({"code":500,"message":"Internal provisioning exception"})");
}

TEST(JsonAnswer, EscapesMessageText) {
  EXPECT_EQ(jsonAnswer(400, "a \"quoted\"\nline\\"),
            R"({"code":400,"message":"a \"quoted\"\nline\\"})");
}

TEST(JsonAnswer, TaskIdAnswerIsCode200WithTaskId) {
  EXPECT_EQ(taskIdAnswer("3f2b8c1e-8d6a-4c1e-9a57-2b8e1f0c9d44"),
            R"({"code":200,"taskId":"3f2b8c1e-8d6a-4c1e-9a57-2b8e1f0c9d44"})");
}

}  // namespace
}  // namespace cpe
