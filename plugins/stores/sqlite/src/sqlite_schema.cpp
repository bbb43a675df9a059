#include "sqlite_schema.h"

#include <iterator>
#include <string>

namespace cpe::stores::sqlite {
namespace {

// Version 1. created_at and updated_at are milliseconds since the epoch;
// published is 1 once the broker confirmed the task or a result made the
// outbox moot.
constexpr const char* kCreateSchemaV1 = R"sql(
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
-- The outbox: only rows still to publish are indexed, so the relay's scan
-- stays as small as its backlog. rowid, implicit in the index, breaks ties
-- in insertion order.
CREATE INDEX tasks_outbox ON tasks (created_at) WHERE published = 0 AND status = 'queued';
PRAGMA user_version = 1;
)sql";

// Version 2: idempotency keys, and an index for queuedBefore. A key belongs
// to one device; created_at is its task's, in milliseconds since the epoch.
// Queued tasks are indexed whether published or not, so stuck-task reports
// read only the tasks still queued, however many have finished.
constexpr const char* kMigrateToV2 = R"sql(
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

// Version 3: how often each task was published, and when last (ms since the
// epoch, NULL until the first publish), for publishedBefore. Tasks published
// and still queued count one publish, at updated_at (a queued task's is its
// created_at, before its publish: the reconciler checks them early, not
// late); terminal ones keep 0 and NULL, which nothing reads, so that the
// migration does not rewrite the whole history. The index holds only tasks
// published and still queued: the reconciler never reads a finished one.
constexpr const char* kMigrateToV3 = R"sql(
ALTER TABLE tasks ADD COLUMN publish_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN last_published_at INTEGER;
UPDATE tasks SET publish_count = 1, last_published_at = updated_at
  WHERE published = 1 AND status = 'queued';
CREATE INDEX tasks_published ON tasks (last_published_at)
  WHERE published = 1 AND status = 'queued';
PRAGMA user_version = 3;
)sql";

// Version 4: a device's history, newest first (listDeviceTasks), read from
// one index in its order: no sort, no other device's rows, and a page after
// a position seeks straight to it. TEXT compares with BINARY, byte by byte,
// as the port's order wants. Built under the migration's write lock, like
// every step: on a large file, writers wait for it once.
constexpr const char* kMigrateToV4 = R"sql(
CREATE INDEX tasks_device ON tasks (equipment_id, created_at DESC, id DESC);
PRAGMA user_version = 4;
)sql";

// Version 5: parameters sealed (issue 11). Terminal tasks an older version
// finished kept their parameters, the device password among them: wiped
// here, once, as complete() now does as each task ends (a store matter that
// needs no key, so the schema's step rather than a method every host start
// would call). Rewrites every finished row that still has them, once.
// Queued tasks stored in the clear are the host's to seal (it has the key):
// queuedInTheClear() lists them from tasks_in_the_clear, which holds only
// those, so it stays empty once they are sealed and new ones are stored
// sealed. A task leaves it when it is sealed or ends.
constexpr const char* kMigrateToV5 = R"sql(
UPDATE tasks SET parameters_json = '' WHERE status <> 'queued' AND parameters_json <> '';
CREATE INDEX tasks_in_the_clear ON tasks (id)
  WHERE status = 'queued' AND substr(parameters_json, 1, 1) = '{';
PRAGMA user_version = 5;
)sql";

// Version 6: retention (deleteFinishedBefore). Finished tasks by when they
// finished, and keys by age, so that each round of deletes reads only what
// it deletes, however many tasks are stored.
constexpr const char* kMigrateToV6 = R"sql(
CREATE INDEX tasks_finished ON tasks (updated_at) WHERE status <> 'queued';
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
PRAGMA user_version = 6;
)sql";

// Version 7: tasks_queued leads with status, so that it holds every column
// the stuck-task count reads: the count is answered from the index alone
// (SQLite 3.40 counts a partial index's WHERE columns as read from the
// row), and its sample still comes in (created_at, rowid) order. Rebuilt
// from the queued rows only.
constexpr const char* kMigrateToV7 = R"sql(
DROP INDEX tasks_queued;
CREATE INDEX tasks_queued ON tasks (status, created_at) WHERE status = 'queued';
PRAGMA user_version = 7;
)sql";

// kMigrations[v] takes a database from version v to v + 1; a new database
// runs them all.
constexpr const char* kMigrations[] = {kCreateSchemaV1, kMigrateToV2, kMigrateToV3, kMigrateToV4,
                                       kMigrateToV5,    kMigrateToV6, kMigrateToV7};
static_assert(std::size(kMigrations) == kSchemaVersion, "one migration per schema version");

Result<int> schemaVersion(Connection& connection) {
  auto statement = connection.statement("PRAGMA user_version");
  if (!statement.isOk()) return statement.status();
  Query query(statement.value());
  const int rc = query.step();
  if (rc != SQLITE_ROW) return connection.error(rc, "read schema version");
  return static_cast<int>(query.integer(0));
}

Status enableWal(Connection& writer) {
  auto statement = writer.statement("PRAGMA journal_mode = WAL");
  if (!statement.isOk()) return statement.status();
  Query query(statement.value());
  const int rc = query.step();
  if (rc != SQLITE_ROW) return writer.error(rc, "set WAL journal mode");
  // The pragma answers with the mode it ended in; an in-memory database or a
  // file system without shared memory stays in another one.
  const std::string mode = query.text(0);
  if (mode != "wal") {
    return Status::invalidArgument("sqlite: the database cannot use WAL (journal mode '" + mode +
                                   "'); give a file on a local file system");
  }
  return Status::ok();
}

}  // namespace

Status prepareWriter(Connection& writer, Synchronous synchronous) {
  if (Status wal = enableWal(writer); !wal.isOk()) return wal;
  const char* pragma = synchronous == Synchronous::kFull ? "PRAGMA synchronous = FULL"
                                                         : "PRAGMA synchronous = NORMAL";
  if (Status set = writer.exec(pragma, "set synchronous"); !set.isOk()) return set;
  // Deleted and overwritten content (a finished task's wiped parameters) is
  // zeroed, not left in the page's free space. Debian builds SQLite with it
  // on; said here so that no other build leaves passwords in the file.
  if (Status set = writer.exec("PRAGMA secure_delete = ON", "set secure_delete"); !set.isOk()) {
    return set;
  }

  // Checked and migrated under the write lock, so two processes opening a
  // file at once migrate it once; a failed step rolls back every step.
  WriteTransaction transaction(writer);
  if (Status begun = transaction.begin(); !begun.isOk()) return begun;
  auto version = schemaVersion(writer);
  if (!version.isOk()) return version.status();
  if (version.value() < 0 || version.value() > kSchemaVersion) {
    return Status::invalidArgument("sqlite: the database has schema version " +
                                   std::to_string(version.value()) + ", this plugin knows " +
                                   std::to_string(kSchemaVersion));
  }
  for (int from = version.value(); from < kSchemaVersion; ++from) {
    const std::string what = "migrate schema to version " + std::to_string(from + 1);
    if (Status migrated = writer.exec(kMigrations[from], what); !migrated.isOk()) return migrated;
  }
  return transaction.commit();
}

Status prepareReader(Connection& reader) {
  return reader.exec("PRAGMA query_only = ON", "make read connection read-only");
}

}  // namespace cpe::stores::sqlite
