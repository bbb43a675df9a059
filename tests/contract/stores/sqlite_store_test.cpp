// What only the sqlite store promises beyond the contract: tasks outlive the
// store object, the file is a WAL database with a versioned schema, and bad
// configuration is refused when the store is created.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "store_fixture.h"

namespace cpe::testing {
namespace {

constexpr EpochMillis kT0 = 1'700'000'000'000;

// The first column of the first row of a one-off query on the file, opened
// read-only and outside the plugin.
std::string queryFile(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  std::string answer;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
      answer = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    }
    sqlite3_finalize(statement);
  }
  sqlite3_close(db);
  return answer;
}

TEST(SqliteStore, TasksAndTheirStatusSurviveReopeningTheFile) {
  StoreFactory factory("sqlite");
  Task queued = makeTask("queued", kT0);
  Task done = makeTask("done", kT0 + 1);
  {
    auto store = factory.createOrFail();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->insert(queued).isOk());
    ASSERT_TRUE(store->insert(done).isOk());
    TaskResult result;
    result.taskId = "done";
    result.status = TaskStatus::kEquipmentNotFound;
    result.code = 404;
    result.message = "no such device";
    result.finishedAt = kT0 + 50;
    ASSERT_TRUE(store->complete(result).isOk());
  }
  auto reopened = factory.createOrFail();
  ASSERT_NE(reopened, nullptr);
  auto stillQueued = reopened->get("queued");
  ASSERT_TRUE(stillQueued.isOk()) << stillQueued.status().toString();
  EXPECT_EQ(stillQueued.value().parametersJson, queued.parametersJson);
  EXPECT_EQ(stillQueued.value().status, TaskStatus::kQueued);
  auto terminal = reopened->get("done");
  ASSERT_TRUE(terminal.isOk()) << terminal.status().toString();
  EXPECT_EQ(terminal.value().status, TaskStatus::kEquipmentNotFound);
  EXPECT_EQ(terminal.value().resultCode, 404);
  EXPECT_EQ(terminal.value().resultMessage, "no such device");
  EXPECT_EQ(terminal.value().updatedAt, kT0 + 50);
  auto outbox = reopened->unpublished(10, kT0 + 100);
  ASSERT_TRUE(outbox.isOk()) << outbox.status().toString();
  ASSERT_EQ(outbox.value().size(), 1u);
  EXPECT_EQ(outbox.value()[0].id, "queued");
}

TEST(SqliteStore, NewFileIsAWalDatabaseWithSchemaVersion1) {
  StoreFactory factory("sqlite");
  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);
  const std::string path = factory.config().getString("store.sqlite.path");
  EXPECT_EQ(queryFile(path, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(queryFile(path, "PRAGMA user_version"), "1");
}

TEST(SqliteStore, LoaderRefusesAnUnknownKeyNamingIt) {
  StoreFactory factory("sqlite");
  factory.config().setString("store.sqlite.pth", "/tmp/typo.db");
  auto store = factory.create();
  ASSERT_FALSE(store.isOk());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(store.status().message().find("store.sqlite.pth"), std::string::npos)
      << store.status().message();
}

TEST(SqliteStore, UnknownSynchronousValueIsRefusedNamingKeyAndValue) {
  StoreFactory factory("sqlite");
  factory.config().setString("store.sqlite.synchronous", "OFF");
  auto store = factory.create();
  ASSERT_FALSE(store.isOk());
  EXPECT_NE(store.status().message().find("store.sqlite.synchronous is 'OFF'"), std::string::npos)
      << store.status().message();
}

TEST(SqliteStore, NormalSynchronousIsAccepted) {
  StoreFactory factory("sqlite");
  factory.config().setString("store.sqlite.synchronous", "NORMAL");
  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->insert(makeTask("a1", kT0)).isOk());
}

TEST(SqliteStore, NonNumericBusyTimeoutIsRefused) {
  StoreFactory factory("sqlite");
  factory.config().setString("store.sqlite.busyTimeoutMs", "5s");
  auto store = factory.create();
  ASSERT_FALSE(store.isOk());
  EXPECT_NE(store.status().message().find("busyTimeoutMs"), std::string::npos)
      << store.status().message();
}

TEST(SqliteStore, ZeroConnectionsIsRefused) {
  StoreFactory factory("sqlite");
  factory.config().setString("store.sqlite.connections", "0");
  auto store = factory.create();
  ASSERT_FALSE(store.isOk());
  EXPECT_NE(store.status().message().find("connections"), std::string::npos)
      << store.status().message();
}

TEST(SqliteStore, FileThatCannotBeOpenedIsRefusedNamingIt) {
  StoreFactory factory("sqlite");
  factory.config().setString("store.sqlite.path", "/nonexistent-dir/tasks.db");
  auto store = factory.create();
  ASSERT_FALSE(store.isOk());
  EXPECT_NE(store.status().message().find("/nonexistent-dir/tasks.db"), std::string::npos)
      << store.status().message();
}

TEST(SqliteStore, TwoStoresOnOneFileSeeEachOthersWrites) {
  StoreFactory factory("sqlite");
  auto first = factory.createOrFail();
  auto second = factory.createOrFail();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  ASSERT_TRUE(first->insert(makeTask("a1", kT0)).isOk());
  EXPECT_EQ(second->insert(makeTask("a1", kT0)).code(), StatusCode::kAlreadyExists);
  auto seen = second->get("a1");
  ASSERT_TRUE(seen.isOk()) << seen.status().toString();
}

TEST(SqliteStore, WriteLockHeldElsewhereIsUnavailableAfterTheBusyTimeout) {
  StoreFactory factory("sqlite");
  factory.config().setString("store.sqlite.busyTimeoutMs", "50");
  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(factory.config().getString("store.sqlite.path").c_str(), &other),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

  Status blocked = store->insert(makeTask("a1", kT0));
  EXPECT_EQ(blocked.code(), StatusCode::kUnavailable) << blocked.toString();
  EXPECT_TRUE(blocked.isRetryable());
  EXPECT_EQ(store->get("missing").status().code(), StatusCode::kNotFound)
      << "reads go on while another connection writes";

  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  Status retried = store->insert(makeTask("a1", kT0));
  EXPECT_TRUE(retried.isOk()) << retried.toString();
}

}  // namespace
}  // namespace cpe::testing
