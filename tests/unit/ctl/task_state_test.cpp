#include "task_state.h"

#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

namespace cpe::ctl {
namespace {

ApiAnswer answer(int httpStatus, const std::string& body) {
  ApiAnswer result;
  result.httpStatus = httpStatus;
  result.body = body;
  try {
    result.json = Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
  } catch (const std::exception&) {
  }
  return result;
}

constexpr const char* kStillRunning = R"({"code":204,"message":"Task is still running"})";

TEST(CtlTaskState, StillRunningReadsTheSameUnderEveryStatusLinePolicy) {
  for (const ApiAnswer& running : {answer(202, kStillRunning),     // mirror
                                   answer(204, ""),                // bare204
                                   answer(200, kStillRunning)}) {  // envelope
    const auto state = readTaskState(running);
    ASSERT_TRUE(state) << running.httpStatus;
    EXPECT_TRUE(state->stillRunning());
    EXPECT_EQ(state->message, "Task is still running");
  }
}

TEST(CtlTaskState, TheBodysCodeWinsOverTheStatusLine) {
  const auto notFound =
      readTaskState(answer(200, R"({"code":404,"message":"The requested task is not found"})"));
  ASSERT_TRUE(notFound);
  EXPECT_EQ(notFound->code, 404);
  EXPECT_EQ(notFound->message, "The requested task is not found");
  const auto failed =
      readTaskState(answer(500, R"({"code":500,"message":"Internal provisioning exception"})"));
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->code, 500);
}

TEST(CtlTaskState, AnythingElseIsNoAnswerOfTheContract) {
  EXPECT_FALSE(readTaskState(answer(502, "<html>Bad gateway</html>")));
  EXPECT_FALSE(readTaskState(answer(200, R"({"code":"200","message":"Completed"})")));
  EXPECT_FALSE(readTaskState(answer(200, R"({"code":200})")));
  EXPECT_FALSE(readTaskState(answer(200, "")));
}

TEST(CtlTaskState, JsonCarriesTheTaskId) {
  EXPECT_EQ(taskStateJson("t-1", TaskState{200, "Completed"}),
            R"({"taskId":"t-1","code":200,"message":"Completed"})");
}

TEST(CtlApiAnswer, DescribesItselfForAPerson) {
  EXPECT_EQ(describeAnswer(answer(400, R"({"code":400,"message":"parameters.vlan is bad"})")),
            "400 parameters.vlan is bad");
  EXPECT_EQ(describeAnswer(answer(502, "<html/>")), "HTTP 502 without the contract's JSON answer");
}

}  // namespace
}  // namespace cpe::ctl
