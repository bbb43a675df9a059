#pragma once

#include <string>

#include "cpe/sdk/status.h"
#include "pg_connection.h"

namespace cpe::stores::postgres {

// The schema version this plugin writes and reads, one row per applied
// version in <schema>.cpe_schema_version. A schema of an older version is
// migrated step by step; one with a version this plugin does not know is
// refused rather than guessed at.
//   1: tasks, with the outbox index.
//   2: idempotency_keys; tasks_queued index (queuedBefore).
//   3: tasks.publish_count, tasks.last_published_at; tasks_published index
//      (publishedBefore).
//   4: tasks_device index (listDeviceTasks).
//   5: terminal tasks' parameters wiped; tasks_in_the_clear index
//      (queuedInTheClear).
//   6: tasks_finished and idempotency_keys_age indexes
//      (deleteFinishedBefore).
inline constexpr int kSchemaVersion = 6;

// Creates the schema and its tables if missing, migrates them to
// kSchemaVersion, and records each version applied, in
// one transaction under a database-wide advisory lock: hosts starting at
// once take turns, and all but the first find the work done. `connection`
// must have no statements prepared that need the tables.
Status migrate(Connection& connection, const std::string& schema);

}  // namespace cpe::stores::postgres
