// What only the sqlite store promises beyond the contract: tasks outlive the
// store object, the file is a WAL database with a versioned schema, and bad
// configuration is refused when the store is created.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

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

// The whole file's bytes, the WAL's too (empty once the last connection
// closed and checkpointed it).
std::string bytesOf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// secure_delete: the parameters a finished task's wipe replaces are zeroed
// in the page, not left in its free space for someone with the file.
TEST(SqliteStore, AWipedPasswordLeavesNoTraceInTheFile) {
  StoreFactory factory("sqlite");
  const std::string path = factory.config().getString("store.sqlite.path");
  const std::string password = "wiped-password-not-in-the-file";
  {
    auto store = factory.createOrFail();
    ASSERT_NE(store, nullptr);
    Task task = makeTask("wiped", kT0);
    task.parametersJson = R"({"username":"admin","password":")" + password + R"("})";
    ASSERT_TRUE(store->insert(task).isOk());
  }
  // Closed in between, so the password's page reached the file itself.
  ASSERT_NE(bytesOf(path).find(password), std::string::npos);
  {
    auto store = factory.createOrFail();
    ASSERT_NE(store, nullptr);
    TaskResult result;
    result.taskId = "wiped";
    result.status = TaskStatus::kCompleted;
    result.code = 200;
    result.finishedAt = kT0 + 50;
    ASSERT_TRUE(store->complete(result).isOk());
  }
  // Closed: the WAL went into the file and was removed.
  const std::string file = bytesOf(path) + bytesOf(path + "-wal");
  ASSERT_FALSE(file.empty());
  EXPECT_EQ(file.find(password), std::string::npos);
}

TEST(SqliteStore, NewFileIsAWalDatabaseWithSchemaVersion7) {
  StoreFactory factory("sqlite");
  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);
  const std::string path = factory.config().getString("store.sqlite.path");
  EXPECT_EQ(queryFile(path, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(queryFile(path, "PRAGMA user_version"), "7");
  EXPECT_EQ(queryFile(path,
                      "SELECT count(*) FROM sqlite_master WHERE name IN ('tasks', 'tasks_outbox',"
                      " 'idempotency_keys', 'tasks_queued', 'tasks_published', 'tasks_device',"
                      " 'tasks_in_the_clear', 'tasks_finished', 'idempotency_keys_age')"),
            "9");
}

// The schema of version 1, as the plugin of that version created it.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE tasks (
  id              TEXT    NOT NULL PRIMARY KEY,
  equipment_id    TEXT    NOT NULL,
  timeout_seconds INTEGER NOT NULL,
  parameters_json TEXT    NOT NULL,
  status          TEXT    NOT NULL,
  result_code     INTEGER NOT NULL DEFAULT 0,
  result_message  TEXT    NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  published       INTEGER NOT NULL DEFAULT 0 CHECK (published IN (0, 1))
);
CREATE INDEX tasks_outbox ON tasks (created_at) WHERE published = 0 AND status = 'queued';
PRAGMA user_version = 1;
)sql";

// What the plugin of version 2 added to it.
constexpr const char* kSchemaV2Additions = R"sql(
CREATE TABLE idempotency_keys (
  equipment_id TEXT    NOT NULL,
  key          TEXT    NOT NULL,
  task_id      TEXT    NOT NULL,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (equipment_id, key)
) WITHOUT ROWID;
CREATE INDEX tasks_queued ON tasks (created_at) WHERE status = 'queued';
PRAGMA user_version = 2;
)sql";

// What the plugin of version 3 added to version 2.
constexpr const char* kSchemaV3Additions = R"sql(
ALTER TABLE tasks ADD COLUMN publish_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN last_published_at INTEGER;
CREATE INDEX tasks_published ON tasks (last_published_at)
  WHERE published = 1 AND status = 'queued';
PRAGMA user_version = 3;
)sql";

// What the plugin of version 4 added to version 3.
constexpr const char* kSchemaV4Additions = R"sql(
CREATE INDEX tasks_device ON tasks (equipment_id, created_at DESC, id DESC);
PRAGMA user_version = 4;
)sql";

// What the plugin of version 5 added to version 4.
constexpr const char* kSchemaV5Additions = R"sql(
CREATE INDEX tasks_in_the_clear ON tasks (id)
  WHERE status = 'queued' AND substr(parameters_json, 1, 1) = '{';
PRAGMA user_version = 5;
)sql";

constexpr const char* kSchemaV6Additions = R"sql(
CREATE INDEX tasks_finished ON tasks (updated_at) WHERE status <> 'queued';
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
PRAGMA user_version = 6;
)sql";

// Runs `sql` on the file (created if missing) outside the plugin.
void execFile(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << (error != nullptr ? error : "") << " in " << sql;
  sqlite3_free(error);
  sqlite3_close(db);
}

TEST(SqliteStore, Version1DatabaseIsMigratedInPlaceKeepingItsTasks) {
  StoreFactory factory("sqlite");
  const std::string path = factory.config().getString("store.sqlite.path");
  execFile(path, kSchemaV1);
  const Task queued = makeTask("v1-queued", kT0);
  execFile(path,
           "INSERT INTO tasks (id, equipment_id, timeout_seconds, parameters_json, status,"
           " created_at, updated_at) VALUES ('v1-queued', '" +
               queued.equipmentId + "', 14, '" + queued.parametersJson + "', 'queued', " +
               std::to_string(kT0) + ", " + std::to_string(kT0) +
               ");"
               " INSERT INTO tasks (id, equipment_id, timeout_seconds, parameters_json, status,"
               " result_code, result_message, created_at, updated_at, published)"
               " VALUES ('v1-done', 'SN-v1-done', 14, '{}', 'failed', 500, 'boom', " +
               std::to_string(kT0 + 1) + ", " + std::to_string(kT0 + 2) + ", 1)");
  ASSERT_EQ(queryFile(path, "PRAGMA user_version"), "1");

  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(queryFile(path, "PRAGMA user_version"), "7");
  // What version 2 added works on the migrated file.
  expectVersion1TasksMigrated(*store, queued);
  auto outbox = store->unpublished(10, kT0 + 100);
  ASSERT_TRUE(outbox.isOk()) << outbox.status().toString();
  ASSERT_EQ(outbox.value().size(), 2u);
  EXPECT_EQ(outbox.value()[0].id, "v1-queued");

  // Opening again finds version 7 and changes nothing.
  store.reset();
  auto reopened = factory.createOrFail();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(queryFile(path, "PRAGMA user_version"), "7");
  EXPECT_TRUE(reopened->get("v2").isOk());
}

TEST(SqliteStore, Version2DatabaseIsMigratedInPlaceCountingPublishedTasksOnce) {
  StoreFactory factory("sqlite");
  const std::string path = factory.config().getString("store.sqlite.path");
  execFile(path, std::string(kSchemaV1) + kSchemaV2Additions + insertVersion2Tasks("tasks", kT0));
  ASSERT_EQ(queryFile(path, "PRAGMA user_version"), "2");

  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(queryFile(path, "PRAGMA user_version"), "7");
  EXPECT_EQ(queryFile(path, "SELECT count(*) FROM sqlite_master WHERE name = 'tasks_published'"),
            "1");
  // Terminal tasks are left uncounted: nothing reads them.
  EXPECT_EQ(queryFile(path,
                      "SELECT publish_count || ' ' || ifnull(last_published_at, 'null')"
                      " FROM tasks WHERE id = 'v2-done'"),
            "0 null");
  expectVersion2TasksMigrated(*store, kT0);

  // Opening again finds version 7 and changes nothing.
  store.reset();
  ASSERT_NE(factory.createOrFail(), nullptr);
  EXPECT_EQ(queryFile(path, "SELECT publish_count FROM tasks WHERE id = 'v2-sent'"), "2");
}

TEST(SqliteStore, Version3DatabaseIsMigratedInPlaceListingEachDevicesTasks) {
  StoreFactory factory("sqlite");
  const std::string path = factory.config().getString("store.sqlite.path");
  execFile(path, std::string(kSchemaV1) + kSchemaV2Additions + kSchemaV3Additions +
                     insertVersion3Tasks("tasks", kT0));
  ASSERT_EQ(queryFile(path, "PRAGMA user_version"), "3");

  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(queryFile(path, "PRAGMA user_version"), "7");
  EXPECT_EQ(queryFile(path, "SELECT count(*) FROM sqlite_master WHERE name = 'tasks_device'"), "1");
  expectVersion3TasksListed(*store, kT0);

  // Opening again finds version 7 and changes nothing.
  store.reset();
  ASSERT_NE(factory.createOrFail(), nullptr);
  EXPECT_EQ(queryFile(path, "PRAGMA user_version"), "7");
}

TEST(SqliteStore, Version4DatabaseIsMigratedWipingTheParametersOfFinishedTasks) {
  StoreFactory factory("sqlite");
  const std::string path = factory.config().getString("store.sqlite.path");
  execFile(path, std::string(kSchemaV1) + kSchemaV2Additions + kSchemaV3Additions +
                     kSchemaV4Additions + insertVersion4Tasks("tasks", kT0));
  ASSERT_EQ(queryFile(path, "PRAGMA user_version"), "4");

  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(queryFile(path, "PRAGMA user_version"), "7");
  EXPECT_EQ(queryFile(path,
                      "SELECT count(*) FROM tasks WHERE status <> 'queued'"
                      " AND parameters_json <> ''"),
            "0");
  EXPECT_EQ(queryFile(path, "SELECT count(*) FROM sqlite_master WHERE name = 'tasks_in_the_clear'"),
            "1");
  expectVersion4TasksWiped(*store, kT0);

  // Opening again finds version 7 and changes nothing.
  store.reset();
  ASSERT_NE(factory.createOrFail(), nullptr);
  EXPECT_EQ(queryFile(path, "PRAGMA user_version"), "7");
}

TEST(SqliteStore, Version5DatabaseIsMigratedWithTheRetentionIndexes) {
  StoreFactory factory("sqlite");
  const std::string path = factory.config().getString("store.sqlite.path");
  execFile(path, std::string(kSchemaV1) + kSchemaV2Additions + kSchemaV3Additions +
                     kSchemaV4Additions + kSchemaV5Additions +
                     "INSERT INTO tasks (id, equipment_id, timeout_seconds, parameters_json,"
                     " status, created_at, updated_at) VALUES"
                     " ('v5-done', 'SN-OLD', 14, '', 'completed', 1, 2),"
                     " ('v5-waiting', 'SN-OLD', 14, 'c2VhbGVk', 'queued', 3, 3);");
  ASSERT_EQ(queryFile(path, "PRAGMA user_version"), "5");

  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(queryFile(path, "PRAGMA user_version"), "7");
  EXPECT_EQ(queryFile(path,
                      "SELECT count(*) FROM sqlite_master WHERE name IN"
                      " ('tasks_finished', 'idempotency_keys_age')"),
            "2");
  auto deleted = store->deleteFinishedBefore(kT0, 10);
  ASSERT_TRUE(deleted.isOk()) << deleted.status().toString();
  EXPECT_EQ(deleted.value().tasks, 1u);
  EXPECT_TRUE(store->get("v5-waiting").isOk());
}

TEST(SqliteStore, Version6DatabaseGetsTheQueuedIndexLedByStatus) {
  StoreFactory factory("sqlite");
  const std::string path = factory.config().getString("store.sqlite.path");
  execFile(path, std::string(kSchemaV1) + kSchemaV2Additions + kSchemaV3Additions +
                     kSchemaV4Additions + kSchemaV5Additions + kSchemaV6Additions +
                     "INSERT INTO tasks (id, equipment_id, timeout_seconds, parameters_json,"
                     " status, created_at, updated_at) VALUES"
                     " ('v6-done', 'SN-OLD', 14, '', 'completed', 1, 2),"
                     " ('v6-waiting', 'SN-OLD', 14, 'c2VhbGVk', 'queued', 3, 3);");
  ASSERT_EQ(queryFile(path, "PRAGMA user_version"), "6");

  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(queryFile(path, "PRAGMA user_version"), "7");
  EXPECT_EQ(queryFile(path, "SELECT name FROM pragma_index_info('tasks_queued') WHERE seqno = 0"),
            "status");
  auto stuck = store->queuedBefore(kT0, 10);
  ASSERT_TRUE(stuck.isOk()) << stuck.status().toString();
  EXPECT_EQ(stuck.value().count, 1u);
}

TEST(SqliteStore, DatabaseOfANewerVersionIsRefused) {
  StoreFactory factory("sqlite");
  const std::string path = factory.config().getString("store.sqlite.path");
  execFile(path, "PRAGMA user_version = 8");
  auto store = factory.create();
  ASSERT_FALSE(store.isOk());
  EXPECT_NE(store.status().message().find("version 8"), std::string::npos)
      << store.status().message();
}

// The steps of `sql`'s query plan on the file, one a line, read outside the
// plugin.
std::string queryPlan(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string details;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << path;
  }
  sqlite3_stmt* plan = nullptr;
  const std::string explain = "EXPLAIN QUERY PLAN " + sql;
  if (sqlite3_prepare_v2(db, explain.c_str(), -1, &plan, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << sqlite3_errmsg(db) << " in " << sql;
  }
  while (plan != nullptr && sqlite3_step(plan) == SQLITE_ROW) {
    details += reinterpret_cast<const char*>(sqlite3_column_text(plan, 3));
    details += "\n";
  }
  sqlite3_finalize(plan);
  sqlite3_close(db);
  return details;
}

// queuedBefore's query (kQueuedBefore in sqlite_store.cpp, copied) reads the
// tasks_queued index, not the whole table.
TEST(SqliteStore, QueuedBeforeUsesTheQueuedIndex) {
  StoreFactory factory("sqlite");
  ASSERT_NE(factory.createOrFail(), nullptr);
  const std::string details = queryPlan(
      factory.config().getString("store.sqlite.path"),
      "SELECT c.n, s.id FROM (SELECT count(*) AS n FROM tasks INDEXED BY tasks_queued"
      "  WHERE status = 'queued' AND created_at < ?1) AS c"
      " LEFT JOIN (SELECT id, created_at, rowid AS seq FROM tasks INDEXED BY tasks_queued"
      "  WHERE status = 'queued' AND created_at < ?1 ORDER BY created_at, rowid LIMIT ?2) AS s"
      " ON 1 ORDER BY s.created_at, s.seq");
  EXPECT_EQ(details.find("SCAN tasks\n"), std::string::npos) << details;
  // The count from the index alone; the sample in the index's order.
  EXPECT_NE(details.find("COVERING INDEX tasks_queued"), std::string::npos) << details;
  EXPECT_EQ(details.find("RIGHT PART OF ORDER BY"), std::string::npos) << details;
}

// Retention's deletes (kDeleteFinished, kDeleteOldKeys in sqlite_store.cpp,
// copied) read the tasks_finished and idempotency_keys_age indexes from the
// oldest, not the tables.
TEST(SqliteStore, RetentionReadsTheFinishedAndKeyAgeIndexesInOrder) {
  StoreFactory factory("sqlite");
  ASSERT_NE(factory.createOrFail(), nullptr);
  const std::string path = factory.config().getString("store.sqlite.path");
  const std::string tasks =
      queryPlan(path,
                "DELETE FROM tasks WHERE rowid IN (SELECT rowid FROM tasks"
                " WHERE status <> 'queued' AND updated_at < ?1 ORDER BY updated_at LIMIT ?2)");
  EXPECT_NE(tasks.find("tasks_finished"), std::string::npos) << tasks;
  EXPECT_EQ(tasks.find("TEMP B-TREE"), std::string::npos) << "sorted: " << tasks;
  EXPECT_EQ(tasks.find("SCAN tasks\n"), std::string::npos) << tasks;
  const std::string keys = queryPlan(
      path,
      "DELETE FROM idempotency_keys WHERE (equipment_id, key) IN (SELECT equipment_id, key"
      " FROM idempotency_keys WHERE created_at < ?1 ORDER BY created_at LIMIT ?2)");
  EXPECT_NE(keys.find("idempotency_keys_age"), std::string::npos) << keys;
  EXPECT_EQ(keys.find("TEMP B-TREE"), std::string::npos) << "sorted: " << keys;
}

// The outbox sweep's query (kUnpublished in sqlite_store.cpp, copied) reads
// the tasks_outbox index in its order: only the tasks still to publish, not
// every queued one (tasks_queued, which SQLite picked unless told).
TEST(SqliteStore, TheOutboxSweepReadsOnlyTheOutboxIndexInOrder) {
  StoreFactory factory("sqlite");
  ASSERT_NE(factory.createOrFail(), nullptr);
  const std::string details =
      queryPlan(factory.config().getString("store.sqlite.path"),
                "SELECT id, equipment_id, timeout_seconds, parameters_json, status, result_code,"
                " result_message, created_at, updated_at FROM tasks INDEXED BY tasks_outbox"
                " WHERE published = 0 AND status = 'queued' AND created_at <= ?1"
                " ORDER BY created_at, rowid LIMIT ?2");
  EXPECT_NE(details.find("USING INDEX tasks_outbox"), std::string::npos) << details;
  EXPECT_EQ(details.find("TEMP B-TREE"), std::string::npos) << "sorted apart:\n" << details;
}

// publishedBefore's query (kPublishedBefore in sqlite_store.cpp, copied)
// reads the tasks_published index in its order, not the whole table.
TEST(SqliteStore, PublishedBeforeUsesThePublishedIndexInOrder) {
  StoreFactory factory("sqlite");
  ASSERT_NE(factory.createOrFail(), nullptr);
  const std::string details = queryPlan(factory.config().getString("store.sqlite.path"),
                                        "SELECT id, equipment_id, publish_count, last_published_at"
                                        " FROM tasks INDEXED BY tasks_published WHERE published = "
                                        "1 AND status = 'queued' AND last_published_at < ?1"
                                        " ORDER BY last_published_at, rowid LIMIT ?2");
  EXPECT_NE(details.find("USING INDEX tasks_published"), std::string::npos) << details;
  EXPECT_EQ(details.find("SCAN tasks\n"), std::string::npos) << details;
  EXPECT_EQ(details.find("TEMP B-TREE"), std::string::npos) << "sorted apart:\n" << details;
}

// listDeviceTasks' queries (kDeviceTasks and kDeviceTasksAfter in
// sqlite_store.cpp, copied) read the tasks_device index in its order: no
// sort, no scan, and a later page seeks to its position.
TEST(SqliteStore, DeviceHistoryUsesTheDeviceIndexInOrder) {
  StoreFactory factory("sqlite");
  ASSERT_NE(factory.createOrFail(), nullptr);
  const std::string path = factory.config().getString("store.sqlite.path");
  const std::string first =
      queryPlan(path,
                "SELECT id, status, created_at, updated_at FROM tasks WHERE equipment_id = ?1"
                " ORDER BY created_at DESC, id DESC LIMIT ?4");
  EXPECT_NE(first.find("USING INDEX tasks_device (equipment_id=?)"), std::string::npos) << first;
  EXPECT_EQ(first.find("TEMP B-TREE"), std::string::npos) << "sorted apart:\n" << first;
  const std::string after = queryPlan(path,
                                      "SELECT id, status, created_at, updated_at FROM tasks"
                                      " WHERE equipment_id = ?1 AND (created_at, id) < (?2, ?3)"
                                      " ORDER BY created_at DESC, id DESC LIMIT ?4");
  EXPECT_NE(after.find("USING INDEX tasks_device (equipment_id=? AND (created_at,id)<(?,?))"),
            std::string::npos)
      << after;
  EXPECT_EQ(after.find("TEMP B-TREE"), std::string::npos) << "sorted apart:\n" << after;
}

// queuedInTheClear's query (kQueuedInTheClear in sqlite_store.cpp, copied)
// reads the tasks_in_the_clear index in id order: no scan of the finished
// tasks, no sort.
TEST(SqliteStore, QueuedInTheClearUsesItsIndexInOrder) {
  StoreFactory factory("sqlite");
  ASSERT_NE(factory.createOrFail(), nullptr);
  const std::string details =
      queryPlan(factory.config().getString("store.sqlite.path"),
                "SELECT id, equipment_id, timeout_seconds, parameters_json, status, result_code,"
                " result_message, created_at, updated_at FROM tasks INDEXED BY tasks_in_the_clear"
                " WHERE status = 'queued' AND substr(parameters_json, 1, 1) = '{' AND id > ?1"
                " ORDER BY id LIMIT ?2");
  EXPECT_NE(details.find("USING INDEX tasks_in_the_clear (id>?)"), std::string::npos) << details;
  EXPECT_EQ(details.find("TEMP B-TREE"), std::string::npos) << "sorted apart:\n" << details;
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
