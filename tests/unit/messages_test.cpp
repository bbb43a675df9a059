#include "cpe/messages.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include "cpe/credential_sealer.h"
#include "cpe/json_limits.h"

namespace cpe {
namespace {

Task sampleTask() {
  Task task;
  task.id = "3f2b8c1e-8d6a-4c1e-9a57-2b8e1f0c9d44";
  task.equipmentId = "ABC123";
  task.timeoutInSeconds = 14;
  task.parametersJson =
      R"({"username":"admin","password":"pw","vlan":534,"interfaces":[1,2],"x":{"y":1}})";
  task.createdAt = 1795903800123;  // 2026-11-28T22:10:00.123Z
  return task;
}

TEST(TaskMessage, CarriesTheContractsFields) {
  const auto json = Poco::JSON::Parser()
                        .parse(encodeTaskMessage(sampleTask()))
                        .extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(json->getValue<int>("version"), 1);
  EXPECT_EQ(json->getValue<std::string>("taskId"), "3f2b8c1e-8d6a-4c1e-9a57-2b8e1f0c9d44");
  EXPECT_EQ(json->getValue<std::string>("equipmentId"), "ABC123");
  EXPECT_EQ(json->getValue<int>("timeoutInSeconds"), 14);
  EXPECT_EQ(json->getObject("parameters")->getValue<int>("vlan"), 534);
  EXPECT_EQ(json->getValue<std::string>("createdAt"), formatTimestamp(sampleTask().createdAt));
}

// The contract's text, members in its order; strings escaped as JSON.
TEST(TaskMessage, IsWrittenAsTheContractShowsIt) {
  Task task = sampleTask();
  task.equipmentId = "ABC\"123";  // never valid, but escaped if it ever were
  EXPECT_EQ(encodeTaskMessage(task),
            R"({"version":1,"taskId":"3f2b8c1e-8d6a-4c1e-9a57-2b8e1f0c9d44",)"
            R"("equipmentId":"ABC\"123","timeoutInSeconds":14,"parameters":)" +
                sampleTask().parametersJson + R"(,"createdAt":"2026-11-28T22:10:00.123Z"})");
}

TEST(TaskMessage, RoundTrips) {
  const auto decoded = decodeTaskMessage(encodeTaskMessage(sampleTask()));
  ASSERT_TRUE(decoded.isOk()) << decoded.status().toString();
  EXPECT_EQ(decoded.value().id, sampleTask().id);
  EXPECT_EQ(decoded.value().equipmentId, "ABC123");
  EXPECT_EQ(decoded.value().timeoutInSeconds, 14);
  EXPECT_EQ(decoded.value().parametersJson, sampleTask().parametersJson);
  EXPECT_EQ(decoded.value().createdAt, sampleTask().createdAt);
  EXPECT_EQ(decoded.value().status, TaskStatus::kQueued);
}

// Parameters of `members` members: those of the largest request B accepts,
// less its two top-level members.
std::string parametersWithMembers(std::size_t members) {
  std::string json = R"({"username":"u","password":"p","interfaces":[1])";
  for (std::size_t i = 3; i < members; ++i) json += R"(,"k)" + std::to_string(i) + R"(":1)";
  return json + "}";
}

TEST(TaskMessage, TheLargestAcceptedRequestFitsAndAFloodOfMembersIsRefused) {
  Task task = sampleTask();
  task.parametersJson = parametersWithMembers(kMaxJsonMembers - 2);
  const auto decoded = decodeTaskMessage(encodeTaskMessage(task));
  ASSERT_TRUE(decoded.isOk()) << decoded.status().toString();
  EXPECT_EQ(decoded.value().parametersJson, task.parametersJson);

  task.parametersJson = parametersWithMembers(5000);
  const auto flooded = decodeTaskMessage(encodeTaskMessage(task));
  ASSERT_FALSE(flooded.isOk());
  EXPECT_EQ(flooded.status().message(), "too many object members");
}

// api-contract.md: version 2 carries the sealed text instead of parameters,
// and nothing of them in the clear.
TEST(TaskMessage, SealedParametersTravelAsVersion2) {
  const CredentialSealer sealer(
      CredentialKey::fromFileContents(std::string(CredentialKey::kSize, 'k')).value());
  Task task = sampleTask();
  task.parametersJson = sealer.seal(task.parametersJson, task.id, task.equipmentId);
  const std::string body = encodeTaskMessage(task);
  EXPECT_EQ(body.find("admin"), std::string::npos) << body;
  EXPECT_EQ(body.find("\"parameters\""), std::string::npos) << body;
  const auto json =
      Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(json->getValue<int>("version"), 2);
  EXPECT_EQ(json->getValue<std::string>("sealedParameters"), task.parametersJson);
  EXPECT_EQ(json->getValue<int>("timeoutInSeconds"), 14);

  const auto decoded = decodeTaskMessage(body);
  ASSERT_TRUE(decoded.isOk()) << decoded.status().toString();
  EXPECT_EQ(decoded.value().parametersJson, task.parametersJson);
  EXPECT_EQ(decoded.value().timeoutInSeconds, 14);
  EXPECT_EQ(sealer.open(decoded.value().parametersJson, task.id, task.equipmentId).value(),
            sampleTask().parametersJson);
  // Parameters in the clear still travel as version 1 (allowPlaintextCredentials).
  EXPECT_NE(encodeTaskMessage(sampleTask()).find(R"("version":1)"), std::string::npos);
}

TEST(TaskMessage, RefusesAVersion2WithoutSealedParametersOrAValidTimeout) {
  for (const char* body : {
           R"({"version":2,"taskId":"t","equipmentId":"ABC123","timeoutInSeconds":1,"parameters":{"username":"u","password":"p","interfaces":[1]},"createdAt":"2026-11-28T22:10:00.000Z"})",
           R"({"version":2,"taskId":"t","equipmentId":"ABC123","timeoutInSeconds":1,"sealedParameters":{"a":1},"createdAt":"2026-11-28T22:10:00.000Z"})",
           R"({"version":2,"taskId":"t","equipmentId":"ABC123","timeoutInSeconds":1,"sealedParameters":"{\"a\":1}","createdAt":"2026-11-28T22:10:00.000Z"})",
           R"({"version":2,"taskId":"t","equipmentId":"ABC123","timeoutInSeconds":0,"sealedParameters":"QUJD","createdAt":"2026-11-28T22:10:00.000Z"})",
           R"({"version":3,"taskId":"t","equipmentId":"ABC123","timeoutInSeconds":1,"sealedParameters":"QUJD","createdAt":"2026-11-28T22:10:00.000Z"})"}) {
    EXPECT_FALSE(decodeTaskMessage(body).isOk()) << body;
  }
}

TEST(TaskMessage, RefusesPoison) {
  for (
      const char* body :
      {"", "garbage", "[]", R"({"version":2})", R"({"version":1})", R"({"version":3})",
       R"({"version":1,"taskId":"t","equipmentId":"AB","timeoutInSeconds":1,"parameters":{"username":"u","password":"p","interfaces":[1]},"createdAt":"2026-11-28T22:10:00.000Z"})",
       R"({"version":1,"taskId":"t","equipmentId":"ABC123","timeoutInSeconds":0,"parameters":{"username":"u","password":"p","interfaces":[1]},"createdAt":"2026-11-28T22:10:00.000Z"})",
       R"({"version":1,"taskId":"t","equipmentId":"ABC123","timeoutInSeconds":1,"parameters":{"username":"u","password":"p","interfaces":[1]},"createdAt":"yesterday"})"}) {
    const auto decoded = decodeTaskMessage(body);
    EXPECT_FALSE(decoded.isOk()) << body;
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument) << body;
  }
}

std::string taskMessageCreatedAt(const std::string& createdAt) {
  return R"({"version":1,"taskId":"t","equipmentId":"ABC123","timeoutInSeconds":1,)"
         R"("parameters":{"username":"u","password":"p","interfaces":[1]},"createdAt":")" +
         createdAt + "\"}";
}

// Found by tests/fuzz: Poco writes an instant before 1582-10-15 wrongly
// ("1013-11-28T-1:-50:00.000Z"), so such a message decoded but could not be
// encoded again; nor can an instant past 9999 be written with four digits.
// Only the Unix epoch to the end of 9999 is accepted.
TEST(TaskMessage, RefusesInstantsItCouldNotEncodeAgain) {
  for (const char* createdAt :
       {"1013-11-28T22:10:00.000Z", "1969-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999-00:01"}) {
    const auto decoded = decodeTaskMessage(taskMessageCreatedAt(createdAt));
    EXPECT_FALSE(decoded.isOk()) << createdAt;
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument) << createdAt;
  }
}

TEST(TaskMessage, RoundTripsTheFirstAndLastInstantItAccepts) {
  for (const char* createdAt : {"1970-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"}) {
    const auto decoded = decodeTaskMessage(taskMessageCreatedAt(createdAt));
    ASSERT_TRUE(decoded.isOk()) << createdAt << ": " << decoded.status().toString();
    EXPECT_EQ(formatTimestamp(decoded.value().createdAt), createdAt);
    const auto again = decodeTaskMessage(encodeTaskMessage(decoded.value()));
    ASSERT_TRUE(again.isOk()) << createdAt << ": " << again.status().toString();
    EXPECT_EQ(again.value().createdAt, decoded.value().createdAt);
  }
}

TaskResult sampleResult() {
  TaskResult result;
  result.taskId = "3f2b8c1e-8d6a-4c1e-9a57-2b8e1f0c9d44";
  result.equipmentId = "ABC123";
  result.status = TaskStatus::kEquipmentNotFound;
  result.code = 404;
  result.message = "The requested equipment is not found";
  result.attempts = 2;
  result.finishedAt = 1795903860000;
  return result;
}

TEST(ResultMessage, RoundTripsWithTheContractsFields) {
  const std::string body = encodeResultMessage(sampleResult());
  const auto json = Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(json->getValue<std::string>("status"), "equipment_not_found");
  EXPECT_EQ(json->getValue<int>("code"), 404);
  const auto decoded = decodeResultMessage(body);
  ASSERT_TRUE(decoded.isOk()) << decoded.status().toString();
  EXPECT_EQ(decoded.value().taskId, sampleResult().taskId);
  EXPECT_EQ(decoded.value().status, TaskStatus::kEquipmentNotFound);
  EXPECT_EQ(decoded.value().message, sampleResult().message);
  EXPECT_EQ(decoded.value().attempts, 2);
  EXPECT_EQ(decoded.value().finishedAt, sampleResult().finishedAt);
}

TEST(ResultMessage, RefusesANonTerminalStatusAndPoison) {
  TaskResult queued = sampleResult();
  queued.status = TaskStatus::kQueued;
  EXPECT_FALSE(decodeResultMessage(encodeResultMessage(queued)).isOk());
  EXPECT_FALSE(decodeResultMessage("{").isOk());
  EXPECT_FALSE(decodeResultMessage(R"({"version":1,"taskId":"t"})").isOk());
}

TEST(ResultMessage, RefusesAFinishedAtItCouldNotEncodeAgain) {
  std::string body = encodeResultMessage(sampleResult());
  const std::string finishedAt = formatTimestamp(sampleResult().finishedAt);
  body.replace(body.find(finishedAt), finishedAt.size(), "1013-11-28T22:10:00.000Z");
  EXPECT_FALSE(decodeResultMessage(body).isOk());
}

}  // namespace
}  // namespace cpe
