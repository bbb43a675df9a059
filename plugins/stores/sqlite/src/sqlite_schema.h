#pragma once

#include "cpe/sdk/status.h"
#include "sqlite_database.h"
#include "sqlite_options.h"

namespace cpe::stores::sqlite {

// The schema version this plugin writes and reads, kept in PRAGMA
// user_version. A database without a schema gets it, one of an older version
// is migrated to it; a database with a version this plugin does not know is
// refused rather than guessed at.
//   1: tasks, with the outbox index.
//   2: idempotency_keys; tasks_queued index (queuedBefore).
//   3: tasks.publish_count, tasks.last_published_at; tasks_published index
//      (publishedBefore).
//   4: tasks_device index (listDeviceTasks).
//   5: terminal tasks' parameters wiped; tasks_in_the_clear index
//      (queuedInTheClear).
//   6: tasks_finished and idempotency_keys_age indexes
//   7: tasks_queued on (status, created_at): the stuck-task count index-only
//      (deleteFinishedBefore).
inline constexpr int kSchemaVersion = 7;

// Prepares the write connection: WAL journal, the `synchronous` level, and
// the schema, created or migrated in one transaction.
Status prepareWriter(Connection& writer, Synchronous synchronous);

// Prepares a read connection: it refuses writes, so a bug cannot write
// around the write connection's lock.
Status prepareReader(Connection& reader);

}  // namespace cpe::stores::sqlite
