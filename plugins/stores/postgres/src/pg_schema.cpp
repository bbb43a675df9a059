#include "pg_schema.h"

#include <charconv>
#include <iterator>
#include <string>
#include <string_view>

namespace cpe::stores::postgres {
namespace {

// Any constant the other users of the database leave alone; "cpe-schm".
constexpr const char* kMigrationLockKey = "7165064483194856813";

// Version 1. created_at and updated_at are milliseconds since the epoch.
// published is true once the broker confirmed the task or a result made the
// outbox moot. claimed_by and claimed_until (server clock, ms) reserve a
// task for the outbox sweep of one store instance for a lease. parameters
// stay text, not jsonb, so they come back byte for byte.
std::string createSchemaV1(const std::string& q) {
  return "CREATE TABLE IF NOT EXISTS " + q +
         ".tasks ("
         " id text NOT NULL PRIMARY KEY,"
         " equipment_id text NOT NULL,"
         " timeout_seconds integer NOT NULL,"
         " parameters_json text NOT NULL,"
         " status text NOT NULL,"
         " result_code integer NOT NULL DEFAULT 0,"
         " result_message text NOT NULL DEFAULT '',"
         " created_at bigint NOT NULL,"
         " updated_at bigint NOT NULL,"
         " published boolean NOT NULL DEFAULT false,"
         " claimed_by text,"
         " claimed_until bigint);"
         // The outbox: only rows still to publish are indexed, so the sweep's
         // scan stays as small as its backlog; id breaks ties in created_at.
         " CREATE INDEX IF NOT EXISTS tasks_outbox ON " +
         q +
         ".tasks (created_at, id)"
         " WHERE published = false AND status = 'queued';"
         " INSERT INTO " +
         q +
         ".cpe_schema_version (version, applied_at)"
         " VALUES (1, (extract(epoch FROM clock_timestamp()) * 1000)::bigint);";
}

// Version 2: idempotency keys, and an index for queuedBefore. A key belongs
// to one device; created_at is its task's, ms since the epoch. Queued tasks
// are indexed whether published or not, so stuck-task reports read only the
// tasks still queued, however many have finished. (The index is built under
// the migration's lock, blocking writes to tasks meanwhile: CREATE INDEX
// CONCURRENTLY cannot run inside the migration's transaction.)
std::string migrateToV2(const std::string& q) {
  return "CREATE TABLE IF NOT EXISTS " + q +
         ".idempotency_keys ("
         " equipment_id text NOT NULL,"
         " key text NOT NULL,"
         " task_id text NOT NULL,"
         " created_at bigint NOT NULL,"
         " PRIMARY KEY (equipment_id, key));"
         " CREATE INDEX IF NOT EXISTS tasks_queued ON " +
         q +
         ".tasks (created_at, id) WHERE status = 'queued';"
         " INSERT INTO " +
         q +
         ".cpe_schema_version (version, applied_at)"
         " VALUES (2, (extract(epoch FROM clock_timestamp()) * 1000)::bigint);";
}

// Version 3: how often each task was published, and when last (ms since the
// epoch, NULL until the first publish), for publishedBefore. Tasks published
// and still queued count one publish, at updated_at (a queued task's is its
// created_at, before its publish: the reconciler checks them early, not
// late); terminal ones keep 0 and NULL, which nothing reads, so that the
// migration does not rewrite the whole history. Adding the columns rewrites
// nothing either (a constant default, and NULL). The index holds only tasks
// published and still queued: the reconciler never reads a finished one.
std::string migrateToV3(const std::string& q) {
  return "ALTER TABLE " + q +
         ".tasks ADD COLUMN IF NOT EXISTS publish_count integer NOT NULL DEFAULT 0,"
         " ADD COLUMN IF NOT EXISTS last_published_at bigint;"
         " UPDATE " +
         q +
         ".tasks SET publish_count = 1, last_published_at = updated_at"
         " WHERE published = true AND status = 'queued';"
         " CREATE INDEX IF NOT EXISTS tasks_published ON " +
         q +
         ".tasks (last_published_at, id) WHERE published = true AND status = 'queued';"
         " INSERT INTO " +
         q +
         ".cpe_schema_version (version, applied_at)"
         " VALUES (3, (extract(epoch FROM clock_timestamp()) * 1000)::bigint);";
}

// Version 4: a device's history, newest first (listDeviceTasks), read from
// one index in its order: no sort, no other device's rows, and a page after
// a position seeks straight to it. The id sorts with the "C" collation, byte
// by byte, as the port's order wants whatever the database's collation is
// (the queries name it too, or the index would not serve them). Built under
// the migration's lock, like version 2's: writes to tasks wait for it once.
std::string migrateToV4(const std::string& q) {
  return "CREATE INDEX IF NOT EXISTS tasks_device ON " + q +
         ".tasks (equipment_id, created_at DESC, id COLLATE \"C\" DESC);"
         " INSERT INTO " +
         q +
         ".cpe_schema_version (version, applied_at)"
         " VALUES (4, (extract(epoch FROM clock_timestamp()) * 1000)::bigint);";
}

// Version 5: parameters sealed (issue 11). Terminal tasks an older version
// finished kept their parameters, the device password among them: wiped
// here, once, as complete() now does as each task ends (a store matter that
// needs no key, so the schema's step, under the migration's lock, rather
// than a method every host start would call). Rewrites every finished row
// that still has them, once; writes to tasks wait for it. Queued tasks
// stored in the clear are the host's to seal (it has the key):
// queuedInTheClear() lists them from tasks_in_the_clear, which holds only
// those, so it stays empty once they are sealed and new ones are stored
// sealed. Ids sort with "C", byte by byte, as the port's order wants.
std::string migrateToV5(const std::string& q) {
  return "UPDATE " + q +
         ".tasks SET parameters_json = ''"
         " WHERE status <> 'queued' AND parameters_json <> '';"
         " CREATE INDEX IF NOT EXISTS tasks_in_the_clear ON " +
         q +
         ".tasks (id COLLATE \"C\")"
         " WHERE status = 'queued' AND left(parameters_json, 1) = '{';"
         " INSERT INTO " +
         q +
         ".cpe_schema_version (version, applied_at)"
         " VALUES (5, (extract(epoch FROM clock_timestamp()) * 1000)::bigint);";
}

// Version 6: retention (deleteFinishedBefore). Finished tasks by when they
// finished, and keys by age, so that each round of deletes reads only what
// it deletes, however many tasks are stored. Built under the migration's
// lock: writes wait for it once.
std::string migrateToV6(const std::string& q) {
  return "CREATE INDEX IF NOT EXISTS tasks_finished ON " + q +
         ".tasks (updated_at) WHERE status <> 'queued';"
         " CREATE INDEX IF NOT EXISTS idempotency_keys_age ON " +
         q +
         ".idempotency_keys (created_at);"
         " INSERT INTO " +
         q +
         ".cpe_schema_version (version, applied_at)"
         " VALUES (6, (extract(epoch FROM clock_timestamp()) * 1000)::bigint);";
}

// kMigrations[v] takes a schema from version v to v + 1; a new schema runs
// them all.
using Migration = std::string (*)(const std::string& q);
constexpr Migration kMigrations[] = {createSchemaV1, migrateToV2, migrateToV3,
                                     migrateToV4,    migrateToV5, migrateToV6};
static_assert(std::size(kMigrations) == kSchemaVersion, "one migration per schema version");

Result<int> schemaVersion(Connection& connection, const std::string& q) {
  auto answer = connection.executeSql(
      "SELECT coalesce(max(version), 0) FROM " + q + ".cpe_schema_version", "read schema version");
  if (!answer.isOk()) return answer.status();
  const PGresult* result = answer.value().get();
  const char* text = PQntuples(result) == 1 ? PQgetvalue(result, 0, 0) : "";
  const std::string_view view(text);
  int version = 0;
  const auto [end, error] = std::from_chars(view.data(), view.data() + view.size(), version);
  if (error != std::errc() || end != view.data() + view.size()) {
    return Status::internal("postgres: unreadable schema version '" + std::string(view) + "'");
  }
  return version;
}

Status createSchemaIfMissing(Connection& connection, const std::string& schema,
                             const std::string& q) {
  // Checked first: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege on
  // the database even when the schema exists, which a role owning only its
  // schema (or using public) may lack.
  auto found = connection.executeSql("SELECT 1 FROM pg_namespace WHERE nspname = '" + schema + "'",
                                     "look for the schema");
  if (!found.isOk()) return found.status();
  if (PQntuples(found.value().get()) == 0) {
    auto created = connection.executeSql("CREATE SCHEMA IF NOT EXISTS " + q, "create the schema");
    if (!created.isOk()) return created.status();
  }
  return Status::ok();
}

Status migrateLocked(Connection& connection, const std::string& schema) {
  const std::string q = '"' + schema + '"';
  if (Status created = createSchemaIfMissing(connection, schema, q); !created.isOk()) {
    return created;
  }
  auto versions = connection.executeSql(
      "CREATE TABLE IF NOT EXISTS " + q +
          ".cpe_schema_version (version integer NOT NULL PRIMARY KEY, applied_at bigint NOT NULL)",
      "create the schema version table");
  if (!versions.isOk()) return versions.status();
  auto version = schemaVersion(connection, q);
  if (!version.isOk()) return version.status();
  if (version.value() < 0 || version.value() > kSchemaVersion) {
    return Status::invalidArgument("postgres: schema '" + schema + "' has version " +
                                   std::to_string(version.value()) + ", this plugin knows " +
                                   std::to_string(kSchemaVersion));
  }
  for (int from = version.value(); from < kSchemaVersion; ++from) {
    auto migrated = connection.executeSql(kMigrations[from](q),
                                          "migrate to version " + std::to_string(from + 1));
    if (!migrated.isOk()) return migrated.status();
  }
  return Status::ok();
}

}  // namespace

// The schema name is spliced into this SQL: parseOptions let through only
// [a-z_][a-z0-9_]*, which needs no escaping inside quotes of either kind.
Status migrate(Connection& connection, const std::string& schema) {
  auto begun = connection.executeSql(
      std::string("BEGIN; SELECT pg_advisory_xact_lock(") + kMigrationLockKey + ")",
      "lock for migration");
  if (!begun.isOk()) return begun.status();
  Status migrated = migrateLocked(connection, schema);
  // On failure the caller closes the connection, which rolls back.
  if (!migrated.isOk()) return migrated;
  auto committed = connection.executeSql("COMMIT", "commit migration");
  return committed.isOk() ? Status::ok() : committed.status();
}

}  // namespace cpe::stores::postgres
