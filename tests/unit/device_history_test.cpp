#include "cpe/device_history.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "cpe/task_service.h"
#include "faulty_store.h"
#include "recording_publisher.h"

namespace cpe {
namespace {

using test::FaultyStore;
using test::RecordingPublisher;
using test::StoreMethod;
using Parameters = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kTaskA = "3f2b8c1e-8d6a-4c1e-9a57-2b8e1f0c9d44";
constexpr const char* kTaskB = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
constexpr EpochMillis kT0 = 1'796'508'600'000;  // 2026-12-05T22:10:00.000Z

// base64url without padding, of any bytes: for cursors no encoder makes.
std::string base64Url(const std::string& bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string text;
  unsigned bits = 0;
  int held = 0;
  for (unsigned char c : bytes) {
    bits = (bits << 8) | c;
    held += 8;
    while (held >= 6) {
      held -= 6;
      text += alphabet[(bits >> held) & 0x3f];
    }
  }
  if (held > 0) text += alphabet[(bits << (6 - held)) & 0x3f];
  return text;
}

TEST(HistoryCursor, RoundTripsAPositionAsUrlSafeText) {
  const TaskPosition position{kT0, kTaskA};
  const std::string cursor = encodeHistoryCursor(position);
  EXPECT_EQ(cursor, base64Url(std::to_string(kT0) + "." + kTaskA));
  EXPECT_EQ(
      cursor.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos)
      << cursor;
  const auto decoded = decodeHistoryCursor(cursor);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->createdAt, kT0);
  EXPECT_EQ(decoded->id, kTaskA);
}

TEST(HistoryCursor, RefusesWhatNoAnswerGaveAsNext) {
  const std::string good = encodeHistoryCursor({kT0, kTaskA});
  const std::string time = std::to_string(kT0);
  for (const std::string& cursor : {
           std::string(),
           good + "=",                             // padding
           good.substr(0, good.size() - 1) + "+",  // standard base64's alphabet
           good.substr(0, good.size() - 1) + "/",
           good + "A",  // an extra character
           " " + good,  // space
           std::string("not a cursor"),
           base64Url(time + kTaskA),                                  // no separator
           base64Url(time + "."),                                     // no task id
           base64Url("." + std::string(kTaskA)),                      // no time
           base64Url("-5." + std::string(kTaskA)),                    // negative
           base64Url("+5." + std::string(kTaskA)),                    // a sign
           base64Url("0" + time + "." + kTaskA),                      // a leading zero
           base64Url("12x." + std::string(kTaskA)),                   // not a number
           base64Url("99999999999999999999." + std::string(kTaskA)),  // beyond 64 bits
           base64Url(time + ".NOT-A-TASK-ID"),                        // not of the API's form
           base64Url(time + "." + kTaskA + "\n"),                     // a byte more
           base64Url(time + "." + std::string(kTaskA).substr(0, 35)),
       }) {
    EXPECT_FALSE(decodeHistoryCursor(cursor)) << "'" << cursor << "'";
  }
}

TEST(HistoryCursor, RefusesStrayBitsInTheLastCharacter) {
  // Two spellings of the same bytes: only the canonical one, whose unused
  // low bits are zero, is a cursor.
  const std::string good = encodeHistoryCursor({kT0, kTaskA});
  ASSERT_NE(good.size() % 4, 0u) << "this test needs a last character with spare bits";
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string stray = good;
  stray.back() = kAlphabet[kAlphabet.find(stray.back()) ^ 1];
  EXPECT_FALSE(decodeHistoryCursor(stray)) << stray;
}

RequestError errorOf(const Parameters& parameters) {
  const auto parsed = parseHistoryQuery(parameters);
  if (const auto* error = std::get_if<RequestError>(&parsed)) return *error;
  ADD_FAILURE() << "accepted";
  return {};
}

TEST(HistoryQuery, DefaultsToTwentyTasksFromTheNewest) {
  const auto parsed = parseHistoryQuery({});
  ASSERT_TRUE(std::holds_alternative<HistoryQuery>(parsed));
  EXPECT_EQ(std::get<HistoryQuery>(parsed).limit, 20u);
  EXPECT_FALSE(std::get<HistoryQuery>(parsed).after);
}

TEST(HistoryQuery, TakesALimitFromOneToOneHundredAndACursor) {
  const std::string cursor = encodeHistoryCursor({kT0, kTaskB});
  for (const auto& [text, limit] :
       std::vector<std::pair<std::string, std::size_t>>{{"1", 1}, {"100", 100}, {"37", 37}}) {
    const auto parsed = parseHistoryQuery({{"limit", text}, {"after", cursor}, {"other", "x"}});
    ASSERT_TRUE(std::holds_alternative<HistoryQuery>(parsed)) << text;
    const HistoryQuery& query = std::get<HistoryQuery>(parsed);
    EXPECT_EQ(query.limit, limit);
    ASSERT_TRUE(query.after);
    EXPECT_EQ(query.after->createdAt, kT0);
    EXPECT_EQ(query.after->id, kTaskB);
  }
}

TEST(HistoryQuery, RefusesALimitThatIsNotAnIntegerFromOneToOneHundredNamingIt) {
  for (const char* limit : {"0", "101", "500", "-1", "+5", "1.5", "1e2", "abc", "", " 5", "5 ",
                            "0x10", "99999999999999999999"}) {
    const RequestError error = errorOf({{"limit", limit}});
    EXPECT_EQ(error.httpStatus, 400) << limit;
    EXPECT_EQ(error.message, "limit must be an integer from 1 to 100") << limit;
  }
}

TEST(HistoryQuery, RefusesAMalformedCursorNamingIt) {
  for (const char* after : {"", "garbage!", "AAAA"}) {
    const RequestError error = errorOf({{"after", after}});
    EXPECT_EQ(error.httpStatus, 400) << after;
    EXPECT_EQ(error.message, "after must be a cursor given as next") << after;
  }
}

TEST(HistoryQuery, RefusesAParameterGivenTwice) {
  EXPECT_EQ(errorOf({{"limit", "5"}, {"limit", "5"}}).message, "limit must be given at most once");
  const std::string cursor = encodeHistoryCursor({kT0, kTaskA});
  EXPECT_EQ(errorOf({{"after", cursor}, {"after", cursor}}).message,
            "after must be given at most once");
}

TEST(HistoryAnswer, ListsEachTasksStatusCodeAndTimesAndTheNextCursor) {
  HistoryPage page;
  page.tasks.push_back({kTaskA, TaskStatus::kQueued, kT0 + 2000, kT0 + 2000});
  page.tasks.push_back({kTaskB, TaskStatus::kCompleted, kT0, kT0 + 61'500});
  page.next = TaskPosition{kT0, kTaskB};
  EXPECT_EQ(historyAnswer(page),
            std::string(R"({"code":200,"tasks":[)") + R"({"taskId":")" + kTaskA +
                R"(","status":"queued","code":204,"createdAt":"2026-12-05T22:10:02.000Z",)"
                R"("finishedAt":null},)"
                R"({"taskId":")" +
                kTaskB +
                R"(","status":"completed","code":200,"createdAt":"2026-12-05T22:10:00.000Z",)"
                R"("finishedAt":"2026-12-05T22:11:01.500Z"}],"next":")" +
                encodeHistoryCursor({kT0, kTaskB}) + R"("})");
}

TEST(HistoryAnswer, GivesEachTerminalStatusTheCodeTheTaskEndpointAnswers) {
  HistoryPage page;
  page.tasks.push_back({kTaskA, TaskStatus::kEquipmentNotFound, kT0, kT0 + 1});
  page.tasks.push_back({kTaskB, TaskStatus::kFailed, kT0, kT0 + 1});
  const std::string answer = historyAnswer(page);
  EXPECT_NE(answer.find(R"("status":"equipment_not_found","code":404)"), std::string::npos)
      << answer;
  EXPECT_NE(answer.find(R"("status":"failed","code":500)"), std::string::npos) << answer;
  EXPECT_EQ(answer.find("next"), std::string::npos) << "the last page has no next: " << answer;
}

TEST(HistoryAnswer, AnEmptyHistoryIsAnEmptyList) {
  EXPECT_EQ(historyAnswer({}), R"({"code":200,"tasks":[]})");
}

class TaskServiceHistory : public ::testing::Test {
 protected:
  // Stores a task of `device` created at kT0 + `offset`, id "t<offset>".
  void store(const std::string& device, EpochMillis offset) {
    Task task;
    task.id = "t" + std::to_string(offset);
    task.equipmentId = device;
    task.parametersJson = R"({"password":"pw"})";
    task.createdAt = kT0 + offset;
    task.updatedAt = task.createdAt;
    ASSERT_TRUE(store_.inner().insert(task).isOk());
  }

  FaultyStore store_;
  RecordingPublisher publisher_;
  TaskService service_{store_, publisher_};
};

TEST_F(TaskServiceHistory, APageWithMoreBehindItSaysWhereTheNextStarts) {
  for (int i = 1; i <= 5; ++i) store("ABC123", i);
  store("OTHER1", 9);
  HistoryQuery query;
  query.limit = 2;
  auto page = service_.history("ABC123", query);
  ASSERT_TRUE(page.isOk()) << page.status().toString();
  ASSERT_EQ(page.value().tasks.size(), 2u);
  EXPECT_EQ(page.value().tasks[0].id, "t5");
  EXPECT_EQ(page.value().tasks[1].id, "t4");
  ASSERT_TRUE(page.value().next);
  EXPECT_EQ(page.value().next->id, "t4");
  EXPECT_EQ(page.value().next->createdAt, kT0 + 4);

  query.after = page.value().next;
  query.limit = 3;
  page = service_.history("ABC123", query);
  ASSERT_TRUE(page.isOk()) << page.status().toString();
  ASSERT_EQ(page.value().tasks.size(), 3u);
  EXPECT_EQ(page.value().tasks[2].id, "t1");
  EXPECT_FALSE(page.value().next) << "exactly the last three: no page after it";
}

TEST_F(TaskServiceHistory, ADeviceWithNoTasksHasAnEmptyLastPage) {
  store("OTHER1", 1);
  const auto page = service_.history("ABC123", HistoryQuery{});
  ASSERT_TRUE(page.isOk()) << page.status().toString();
  EXPECT_TRUE(page.value().tasks.empty());
  EXPECT_FALSE(page.value().next);
}

TEST_F(TaskServiceHistory, StoreErrorsPassThrough) {
  store_.failNext(StoreMethod::kListDeviceTasks, 1, Status::unavailable("down"));
  const auto page = service_.history("ABC123", HistoryQuery{});
  ASSERT_FALSE(page.isOk());
  EXPECT_EQ(page.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store_.calls(StoreMethod::kListDeviceTasks), 1);
}

}  // namespace
}  // namespace cpe
