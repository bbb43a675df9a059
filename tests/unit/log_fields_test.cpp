#include "cpe/log_fields.h"

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <gtest/gtest.h>

#include <vector>

namespace cpe {
namespace {

// Keeps every message logged on it.
class RecordingChannel final : public Poco::Channel {
 public:
  void log(const Poco::Message& message) override { messages.push_back(message); }
  std::vector<Poco::Message> messages;
};

class FieldLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    logger_.setChannel(channel_);
    logger_.setLevel(Poco::Message::PRIO_INFORMATION);
  }
  void TearDown() override { logger_.setChannel(nullptr); }

  const std::vector<Poco::Message>& logged() const { return channel_->messages; }

  Poco::AutoPtr<RecordingChannel> channel_ = new RecordingChannel;
  Poco::Logger& logger_ = Poco::Logger::get("test.field-log");
};

Task someTask() {
  Task task;
  task.id = "3f2b8e4c-1d2a-4b5c-9d6e-7f8091a2b3c4";
  task.equipmentId = "ABC123";
  task.parametersJson = R"({"username":"admin","password":"s3cr3t"})";
  return task;
}

TEST_F(FieldLogTest, ALineAboutATaskCarriesItsIdAndItsDevicesId) {
  const Task task = someTask();
  withTask(logger_, task).warning("task %s: giving up after %d call(s)", task.id, 3);
  ASSERT_EQ(logged().size(), 1u);
  const Poco::Message& message = logged()[0];
  EXPECT_EQ(message.getText(), "task " + task.id + ": giving up after 3 call(s)");
  EXPECT_EQ(message.getPriority(), Poco::Message::PRIO_WARNING);
  EXPECT_EQ(message.getSource(), "test.field-log");
  EXPECT_EQ(message.get(kLogTaskId), task.id);
  EXPECT_EQ(message.get(kLogDeviceId), "ABC123");
}

TEST_F(FieldLogTest, AResultNamesItsTaskAndDevice) {
  TaskResult result;
  result.taskId = "3f2b8e4c-1d2a-4b5c-9d6e-7f8091a2b3c4";
  result.equipmentId = "GOOD01";
  withTask(logger_, result).information("task %s: result applied", result.taskId);
  ASSERT_EQ(logged().size(), 1u);
  EXPECT_EQ(logged()[0].get(kLogTaskId), result.taskId);
  EXPECT_EQ(logged()[0].get(kLogDeviceId), "GOOD01");
}

TEST_F(FieldLogTest, ALineAboutADeviceAloneHasNoTaskId) {
  withDevice(logger_, "ABC123").information("POST cpe/ABC123 -> %d", 200);
  ASSERT_EQ(logged().size(), 1u);
  EXPECT_FALSE(logged()[0].has(kLogTaskId));
  EXPECT_EQ(logged()[0].get(kLogDeviceId), "ABC123");
}

TEST_F(FieldLogTest, ATextWithoutArgumentsIsLoggedAsItIs) {
  withTask(logger_, someTask()).error("100% done");
  ASSERT_EQ(logged().size(), 1u);
  EXPECT_EQ(logged()[0].getText(), "100% done");
}

TEST_F(FieldLogTest, NothingIsFormattedOrSentBelowTheLoggersLevel) {
  withTask(logger_, someTask()).debug("task %s", std::string("x"));
  EXPECT_TRUE(logged().empty());
}

TEST_F(FieldLogTest, IdsAreMadeLogSafeAndCut) {
  const std::string longId(300, 'A');
  FieldLog(logger_, "a\nb", longId).information("x");
  ASSERT_EQ(logged().size(), 1u);
  EXPECT_EQ(logged()[0].get(kLogTaskId), "a?b");
  EXPECT_EQ(logged()[0].get(kLogDeviceId), std::string(kMaxLoggedIdLength, 'A') + "...");
}

}  // namespace
}  // namespace cpe
