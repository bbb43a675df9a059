// The PostgreSQL store: one database shared by every host process. Each read
// borrows a connection from a bounded pool and runs one prepared statement in
// its own implicit transaction. Writes (new tasks, results, publish marks)
// commit in groups (pg_writes.h): the writes that queue while commits wait
// for their WAL flush share the next transaction, on one connection; only a
// group that holds an idempotency key holds a lock (the key's row) from its
// first statement to its commit. New tasks commit in several groups at once
// (half the pool's connections), whose WAL PostgreSQL flushes together;
// results and publish marks, which update existing rows, one group at a
// time; with keys taken in one order (pg_writes.h), no two of this store's
// groups can deadlock.
//
// The outbox is shared too: insert(), insertWithKey() and unpublished() claim the rows they
// write or return for this store instance for claimLeaseMs (30 s by default),
// the sweep using FOR UPDATE SKIP LOCKED, so relays of several hosts never
// take the same rows, nor a row another host is publishing on its fast path. The
// same instance gets its own claimed rows again on its next sweep (a publish
// that failed is retried, as the port promises); other instances skip them
// until the lease ends, so the rows of a host that died mid-sweep are swept
// by another host then, and no task stays unpublished. A task whose message
// the broker lost is handed back (markUnpublished()) unclaimed, for the next
// sweep of any host.
//
// The schema is checked and migrated when the store is created, so creation
// fails (with the connect error) if the server cannot be reached then. Once
// created, the store rides out outages: calls answer kUnavailable while the
// server is down and succeed again when it is back, on new connections.

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <iomanip>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cpe/sdk/plugin_support.h"
#include "cpe/sdk/task_store.h"
#include "cpe/sdk/write_group.h"
#include "pg_connection.h"
#include "pg_options.h"
#include "pg_pool.h"
#include "pg_rows.h"
#include "pg_schema.h"
#include "pg_writes.h"

namespace cpe::stores::postgres {
namespace {

const PreparedStatement kSelectById{
    "cpe_get",
    "SELECT id, equipment_id, timeout_seconds, parameters_json, status, result_code,"
    " result_message, created_at, updated_at FROM tasks WHERE id = $1"};
// $1 limit, $2 createdBefore, $3 lease ms, $4 this instance. The lease runs
// on the server's clock, the one clock all hosts share. The WHERE clause
// repeats the partial index's, so the index serves it. A row another sweep
// claimed and committed meanwhile is re-checked against the new row version
// and dropped, so claims stay disjoint.
const PreparedStatement kClaim{
    "cpe_claim",
    "WITH now AS (SELECT (extract(epoch FROM statement_timestamp()) * 1000)::bigint AS ms),"
    " claimable AS (SELECT id FROM tasks, now"
    "  WHERE published = false AND status = 'queued' AND created_at <= $2"
    "  AND (claimed_until IS NULL OR claimed_until < now.ms OR claimed_by = $4)"
    "  ORDER BY created_at, id LIMIT $1 FOR UPDATE OF tasks SKIP LOCKED),"
    " claimed AS (UPDATE tasks t SET claimed_by = $4, claimed_until = now.ms + $3"
    "  FROM claimable c, now WHERE t.id = c.id"
    "  RETURNING t.id, t.equipment_id, t.timeout_seconds, t.parameters_json, t.status,"
    "  t.result_code, t.result_message, t.created_at, t.updated_at)"
    " SELECT * FROM claimed ORDER BY created_at, id"};
// $1 publishedBefore, $2 limit. The WHERE clause repeats the tasks_published
// index's, so the index serves it and no finished task is read.
const PreparedStatement kPublishedBefore{
    "cpe_published_before",
    "SELECT id, equipment_id, publish_count, last_published_at FROM tasks"
    " WHERE published = true AND status = 'queued' AND last_published_at < $1"
    " ORDER BY last_published_at, id LIMIT $2"};
// Back to the outbox, unclaimed, so the next sweep of any instance takes it
// at once; the publish count stays. A task still in the outbox is left
// alone: its claim may be a sweep's that is publishing it right now. Each
// id by primary key, as kMarkPublished (pg_writes.cpp) says why.
const PreparedStatement kMarkUnpublished{
    "cpe_mark_unpublished",
    "UPDATE tasks t SET published = false, claimed_by = NULL, claimed_until = NULL"
    " FROM unnest($1::text[]) AS lost(id) WHERE t.id = lost.id"
    " AND t.published IS NOT DISTINCT FROM true AND t.status IS NOT DISTINCT FROM 'queued'"};
const PreparedStatement kPing{"cpe_ping", "SELECT 1"};
// $1 createdBefore, $2 sample limit. One statement, so the count and the
// sample come from one snapshot; both WHERE clauses repeat the tasks_queued
// index's. One row with a NULL id when the sample is empty.
const PreparedStatement kQueuedBefore{
    "cpe_queued_before",
    "SELECT c.n, s.id FROM"
    " (SELECT count(*) AS n FROM tasks WHERE status = 'queued' AND created_at < $1) c"
    " LEFT JOIN (SELECT id, created_at FROM tasks WHERE status = 'queued' AND created_at < $1"
    "  ORDER BY created_at, id LIMIT $2) s ON true"
    " ORDER BY s.created_at, s.id"};

// A device's history, newest first, from the tasks_device index in its
// order: $1 equipment id, $2 limit; after a position, $3 and $4 its
// created_at and id, as a row comparison the index seeks to. Every id
// comparison is in the index's "C" collation.
const PreparedStatement kDeviceTasks{
    "cpe_device_tasks",
    "SELECT id, status, created_at, updated_at FROM tasks WHERE equipment_id = $1"
    " ORDER BY created_at DESC, id COLLATE \"C\" DESC LIMIT $2"};
const PreparedStatement kDeviceTasksAfter{
    "cpe_device_tasks_after",
    "SELECT id, status, created_at, updated_at FROM tasks"
    " WHERE equipment_id = $1 AND (created_at, id COLLATE \"C\") < ($3::bigint, $4::text)"
    " ORDER BY created_at DESC, id COLLATE \"C\" DESC LIMIT $2"};

// $1 afterId, $2 limit. The WHERE clause repeats the tasks_in_the_clear
// index's, so the index serves it in its order and reads only such tasks
// (once sealed, none).
const PreparedStatement kQueuedInTheClear{
    "cpe_queued_in_the_clear",
    "SELECT id, equipment_id, timeout_seconds, parameters_json, status, result_code,"
    " result_message, created_at, updated_at FROM tasks"
    " WHERE status = 'queued' AND left(parameters_json, 1) = '{' AND id COLLATE \"C\" > $1"
    " ORDER BY id COLLATE \"C\" LIMIT $2"};
// Retention: $1 the cut-off, $2 the batch. One host at a time: a call that
// does not get the advisory lock of its schema (another host's call holds
// it, to the end of its statement) deletes nothing. Each subquery reads its
// index (tasks_finished, idempotency_keys_age) from the oldest, and the
// rows it locked go by their physical address (a TID scan: no join that a
// planner could turn into a scan of the table); a row another transaction
// holds is skipped.
const PreparedStatement kDeleteFinished{
    "cpe_delete_finished",
    "WITH turn AS (SELECT pg_try_advisory_xact_lock(1668510835, hashtext(current_schema()))"
    "  AS held),"
    " old_tasks AS (DELETE FROM tasks WHERE ctid = ANY(ARRAY(SELECT ctid FROM tasks"
    "  WHERE (SELECT held FROM turn) AND status <> 'queued' AND updated_at < $1"
    "  ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED)) RETURNING 1),"
    " old_keys AS (DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY("
    "  SELECT ctid FROM idempotency_keys"
    "  WHERE (SELECT held FROM turn) AND created_at < $1"
    "  ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)) RETURNING 1)"
    " SELECT (SELECT count(*) FROM old_tasks), (SELECT count(*) FROM old_keys)"};
// $1 id, $2 expected, $3 replacement: compare-and-set on a queued task. One
// statement, so a result applied meanwhile either comes first (no row
// changes) or waits for it.
const PreparedStatement kReplaceParameters{
    "cpe_replace_parameters",
    "UPDATE tasks SET parameters_json = $3"
    " WHERE id = $1 AND status = 'queued' AND parameters_json = $2"};

// Tells this instance's claims from other hosts' (and from an earlier run's
// of this host, whose claims must wait out their lease like anyone's).
std::string newInstanceId() {
  std::random_device random;
  std::uniform_int_distribution<std::uint64_t> digits;
  const std::uint64_t high = digits(random);
  const std::uint64_t low = digits(random);
  std::ostringstream text;
  text << std::hex << std::setfill('0') << std::setw(16) << high << std::setw(16) << low;
  return text.str();
}

class PostgresStore final : public TaskStore {
 public:
  explicit PostgresStore(const PostgresOptions& options)
      : pool_(ConnectionSettings{options.connection, options.schema, options.statementTimeoutMs},
              preparedStatements(), options.poolSize, options.acquireTimeoutMs),
        newTasks_(static_cast<std::size_t>(options.maxWriteBatch),
                  static_cast<std::size_t>(std::max(options.poolSize / 2, 1))),
        updates_(static_cast<std::size_t>(options.maxWriteBatch)),
        claim_{std::to_string(options.claimLeaseMs), newInstanceId()} {}

  Status insert(const Task& task) noexcept override;
  Result<Task> insertWithKey(const Task& task, const std::string& key,
                             EpochMillis since) noexcept override;
  Result<Task> get(const std::string& taskId) noexcept override;
  Result<bool> complete(const TaskResult& result) noexcept override;
  Result<std::vector<Task>> unpublished(std::size_t limit,
                                        EpochMillis createdBefore) noexcept override;
  Status markPublished(const std::vector<std::string>& taskIds) noexcept override;
  Result<std::vector<PublishedTask>> publishedBefore(EpochMillis publishedBefore,
                                                     std::size_t limit) noexcept override;
  Status markUnpublished(const std::vector<std::string>& taskIds) noexcept override;
  Result<QueuedTasks> queuedBefore(EpochMillis createdBefore,
                                   std::size_t sampleLimit) noexcept override;
  Result<std::vector<TaskSummary>> listDeviceTasks(
      const std::string& equipmentId, std::size_t limit,
      const std::optional<TaskPosition>& after) noexcept override;
  Status ping() noexcept override;
  Result<std::vector<Task>> queuedInTheClear(std::size_t limit,
                                             const std::string& afterId) noexcept override;
  Result<bool> replaceParameters(const std::string& taskId, const std::string& expected,
                                 const std::string& replacement) noexcept override;
  Result<DeletedRows> deleteFinishedBefore(EpochMillis finishedBefore,
                                           std::size_t limit) noexcept override;

 private:
  // Every statement a pooled connection prepares: the reads' and the writes'.
  static std::vector<PreparedStatement> preparedStatements();
  // Returns once `write` has been committed in one of `group`'s batches, or
  // has failed.
  void commitInGroup(WriteGroup<PendingWrite>& group, PendingWrite& write);
  // The PublishedTasks of a kPublishedBefore answer.
  static Result<std::vector<PublishedTask>> publishedTasksFrom(const PGresult* rows);
  // The TaskSummaries of a kDeviceTasks or kDeviceTasksAfter answer.
  static Result<std::vector<TaskSummary>> summariesFrom(const PGresult* rows);

  Pool pool_;
  WriteGroup<PendingWrite> newTasks_;  // inserts, with or without a key
  WriteGroup<PendingWrite> updates_;   // results and publish marks
  const OutboxClaim claim_;
};

std::vector<PreparedStatement> PostgresStore::preparedStatements() {
  std::vector<PreparedStatement> statements{
      kSelectById,    kClaim,       kPublishedBefore,  kMarkUnpublished,  kPing,
      kQueuedBefore,  kDeviceTasks, kDeviceTasksAfter, kQueuedInTheClear, kReplaceParameters,
      kDeleteFinished};
  const auto& writes = writeStatements();
  statements.insert(statements.end(), writes.begin(), writes.end());
  return statements;
}

// The group's leader borrows one connection for the whole batch; if none
// frees in time, every write of the batch answers that.
void PostgresStore::commitInGroup(WriteGroup<PendingWrite>& group, PendingWrite& write) {
  group.submit(write, [this](const std::vector<PendingWrite*>& batch) {
    auto connection = pool_.acquire();
    if (!connection.isOk()) {
      for (PendingWrite* pending : batch) pending->settle(connection.status());
      return;
    }
    commitBatch(*connection.value(), claim_, batch);
  });
}

Status PostgresStore::insert(const Task& task) noexcept {
  try {
    InsertTask write(task);
    commitInGroup(newTasks_, write);
    return write.answer();
  } catch (...) {
    return plugin::statusFromException("postgres: insert");
  }
}

Result<Task> PostgresStore::insertWithKey(const Task& task, const std::string& key,
                                          EpochMillis since) noexcept {
  try {
    if (key.empty()) return Status::invalidArgument("postgres: empty idempotency key");
    InsertTaskWithKey write(task, key, since);
    commitInGroup(newTasks_, write);
    return write.answer();
  } catch (...) {
    return plugin::statusFromException("postgres: insertWithKey");
  }
}

Result<Task> PostgresStore::get(const std::string& taskId) noexcept {
  try {
    auto connection = pool_.acquire();
    if (!connection.isOk()) return connection.status();
    auto found = connection.value()->execute(kSelectById.name, {taskId}, "get task " + taskId);
    if (!found.isOk()) return found.status();
    if (PQntuples(found.value().get()) == 0) return Status::notFound("postgres: no task " + taskId);
    return taskFromRow(found.value().get(), 0);
  } catch (...) {
    return plugin::statusFromException("postgres: get");
  }
}

Result<bool> PostgresStore::complete(const TaskResult& result) noexcept {
  try {
    if (!isTerminal(result.status)) {
      return Status::invalidArgument(std::string("postgres: result status '") +
                                     taskStatusName(result.status) + "' is not terminal");
    }
    CompleteTask write(result);
    commitInGroup(updates_, write);
    return write.answer();
  } catch (...) {
    return plugin::statusFromException("postgres: complete");
  }
}

Result<std::vector<Task>> PostgresStore::unpublished(std::size_t limit,
                                                     EpochMillis createdBefore) noexcept {
  try {
    std::vector<Task> tasks;
    if (limit == 0) return tasks;
    // LIMIT is a bigint; anything above INT64_MAX means "all" anyway.
    const auto boundedLimit = static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX));
    auto connection = pool_.acquire();
    if (!connection.isOk()) return connection.status();
    auto claimed =
        connection.value()->execute(kClaim.name,
                                    {std::to_string(boundedLimit), std::to_string(createdBefore),
                                     claim_.leaseMs, claim_.instanceId},
                                    "claim outbox tasks");
    if (!claimed.isOk()) return claimed.status();
    const PGresult* rows = claimed.value().get();
    const int count = PQntuples(rows);
    tasks.reserve(static_cast<std::size_t>(count));
    for (int row = 0; row < count; ++row) {
      auto task = taskFromRow(rows, row);
      if (!task.isOk()) return task.status();
      tasks.push_back(std::move(task).value());
    }
    return tasks;
  } catch (...) {
    return plugin::statusFromException("postgres: unpublished");
  }
}

Status PostgresStore::markPublished(const std::vector<std::string>& taskIds) noexcept {
  try {
    if (taskIds.empty()) return Status::ok();
    MarkPublished write(taskIds, nowMillis());
    commitInGroup(updates_, write);
    return write.answer();
  } catch (...) {
    return plugin::statusFromException("postgres: markPublished");
  }
}

Result<std::vector<PublishedTask>> PostgresStore::publishedBefore(EpochMillis publishedBefore,
                                                                  std::size_t limit) noexcept {
  try {
    if (limit == 0) return std::vector<PublishedTask>{};
    // LIMIT is a bigint; anything above INT64_MAX means "all" anyway.
    const auto boundedLimit = static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX));
    auto connection = pool_.acquire();
    if (!connection.isOk()) return connection.status();
    auto answer = connection.value()->execute(
        kPublishedBefore.name, {std::to_string(publishedBefore), std::to_string(boundedLimit)},
        "read published tasks");
    if (!answer.isOk()) return answer.status();
    return publishedTasksFrom(answer.value().get());
  } catch (...) {
    return plugin::statusFromException("postgres: publishedBefore");
  }
}

Result<std::vector<PublishedTask>> PostgresStore::publishedTasksFrom(const PGresult* rows) {
  std::vector<PublishedTask> tasks;
  const int count = PQntuples(rows);
  tasks.reserve(static_cast<std::size_t>(count));
  for (int row = 0; row < count; ++row) {
    auto publishCount = integerAt(rows, row, 2);
    if (!publishCount.isOk()) return publishCount.status();
    auto lastPublishedAt = integerAt(rows, row, 3);
    if (!lastPublishedAt.isOk()) return lastPublishedAt.status();
    tasks.push_back({textAt(rows, row, 0), textAt(rows, row, 1),
                     static_cast<int>(publishCount.value()), lastPublishedAt.value()});
  }
  return tasks;
}

Status PostgresStore::markUnpublished(const std::vector<std::string>& taskIds) noexcept {
  try {
    if (taskIds.empty()) return Status::ok();
    auto connection = pool_.acquire();
    if (!connection.isOk()) return connection.status();
    auto marked = connection.value()->execute(kMarkUnpublished.name, {textArray(taskIds)},
                                              "mark tasks unpublished");
    return marked.isOk() ? Status::ok() : marked.status();
  } catch (...) {
    return plugin::statusFromException("postgres: markUnpublished");
  }
}

Result<QueuedTasks> PostgresStore::queuedBefore(EpochMillis createdBefore,
                                                std::size_t sampleLimit) noexcept {
  try {
    // LIMIT is a bigint; anything above INT64_MAX means "all" anyway.
    const auto boundedLimit =
        static_cast<std::int64_t>(std::min<std::size_t>(sampleLimit, INT64_MAX));
    auto connection = pool_.acquire();
    if (!connection.isOk()) return connection.status();
    auto answer = connection.value()->execute(
        kQueuedBefore.name, {std::to_string(createdBefore), std::to_string(boundedLimit)},
        "count queued tasks");
    if (!answer.isOk()) return answer.status();
    const PGresult* rows = answer.value().get();
    QueuedTasks queued;
    for (int row = 0; row < PQntuples(rows); ++row) {
      auto count = integerAt(rows, row, 0);
      if (!count.isOk()) return count.status();
      queued.count = static_cast<std::size_t>(count.value());
      if (PQgetisnull(rows, row, 1) == 0) queued.oldestIds.push_back(textAt(rows, row, 1));
    }
    return queued;
  } catch (...) {
    return plugin::statusFromException("postgres: queuedBefore");
  }
}

Result<std::vector<TaskSummary>> PostgresStore::listDeviceTasks(
    const std::string& equipmentId, std::size_t limit,
    const std::optional<TaskPosition>& after) noexcept {
  try {
    if (limit == 0) return std::vector<TaskSummary>{};
    // LIMIT is a bigint; anything above INT64_MAX means "all" anyway.
    const std::string boundedLimit =
        std::to_string(static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
    auto connection = pool_.acquire();
    if (!connection.isOk()) return connection.status();
    auto answer =
        after ? connection.value()->execute(
                    kDeviceTasksAfter.name,
                    {equipmentId, boundedLimit, std::to_string(after->createdAt), after->id},
                    "list a device's tasks")
              : connection.value()->execute(kDeviceTasks.name, {equipmentId, boundedLimit},
                                            "list a device's tasks");
    if (!answer.isOk()) return answer.status();
    return summariesFrom(answer.value().get());
  } catch (...) {
    return plugin::statusFromException("postgres: listDeviceTasks");
  }
}

Result<std::vector<TaskSummary>> PostgresStore::summariesFrom(const PGresult* rows) {
  std::vector<TaskSummary> tasks;
  const int count = PQntuples(rows);
  tasks.reserve(static_cast<std::size_t>(count));
  for (int row = 0; row < count; ++row) {
    TaskSummary task;
    task.id = textAt(rows, row, 0);
    const std::string status = textAt(rows, row, 1);
    auto parsed = parseTaskStatus(status);
    if (!parsed) {
      return Status::internal("postgres: task " + task.id + " has unknown status '" + status + "'");
    }
    task.status = *parsed;
    auto createdAt = integerAt(rows, row, 2);
    if (!createdAt.isOk()) return createdAt.status();
    auto updatedAt = integerAt(rows, row, 3);
    if (!updatedAt.isOk()) return updatedAt.status();
    task.createdAt = createdAt.value();
    task.updatedAt = updatedAt.value();
    tasks.push_back(std::move(task));
  }
  return tasks;
}

Status PostgresStore::ping() noexcept {
  try {
    auto connection = pool_.acquire();
    if (!connection.isOk()) return connection.status();
    auto answer = connection.value()->execute(kPing.name, {}, "ping");
    return answer.isOk() ? Status::ok() : answer.status();
  } catch (...) {
    return plugin::statusFromException("postgres: ping");
  }
}

Result<std::vector<Task>> PostgresStore::queuedInTheClear(std::size_t limit,
                                                          const std::string& afterId) noexcept {
  try {
    std::vector<Task> tasks;
    if (limit == 0) return tasks;
    // LIMIT is a bigint; anything above INT64_MAX means "all" anyway.
    const auto boundedLimit = static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX));
    auto connection = pool_.acquire();
    if (!connection.isOk()) return connection.status();
    auto answer =
        connection.value()->execute(kQueuedInTheClear.name, {afterId, std::to_string(boundedLimit)},
                                    "list tasks with parameters in the clear");
    if (!answer.isOk()) return answer.status();
    const PGresult* rows = answer.value().get();
    const int count = PQntuples(rows);
    tasks.reserve(static_cast<std::size_t>(count));
    for (int row = 0; row < count; ++row) {
      auto task = taskFromRow(rows, row);
      if (!task.isOk()) return task.status();
      tasks.push_back(std::move(task).value());
    }
    return tasks;
  } catch (...) {
    return plugin::statusFromException("postgres: queuedInTheClear");
  }
}

Result<bool> PostgresStore::replaceParameters(const std::string& taskId,
                                              const std::string& expected,
                                              const std::string& replacement) noexcept {
  try {
    auto connection = pool_.acquire();
    if (!connection.isOk()) return connection.status();
    auto answer =
        connection.value()->execute(kReplaceParameters.name, {taskId, expected, replacement},
                                    "replace parameters of task " + taskId);
    if (!answer.isOk()) return answer.status();
    return std::string_view(PQcmdTuples(answer.value().get())) == "1";
  } catch (...) {
    return plugin::statusFromException("postgres: replaceParameters");
  }
}

Result<std::unique_ptr<TaskStore>> openStore(const PostgresOptions& options) {
  // Its own connection, with nothing prepared: the statements need the
  // tables this creates. Closed afterwards; pooled ones open on demand.
  auto connection = Connection::open(
      ConnectionSettings{options.connection, options.schema, options.statementTimeoutMs}, {});
  if (!connection.isOk()) return connection.status();
  if (Status migrated = migrate(*connection.value(), options.schema); !migrated.isOk()) {
    return migrated;
  }
  return std::unique_ptr<TaskStore>(new PostgresStore(options));
}

Result<DeletedRows> PostgresStore::deleteFinishedBefore(EpochMillis finishedBefore,
                                                        std::size_t limit) noexcept {
  try {
    DeletedRows deleted;
    if (limit == 0) return deleted;
    const auto boundedLimit = static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX));
    auto connection = pool_.acquire();
    if (!connection.isOk()) return connection.status();
    auto answer = connection.value()->execute(
        kDeleteFinished.name, {std::to_string(finishedBefore), std::to_string(boundedLimit)},
        "delete old finished tasks");
    if (!answer.isOk()) return answer.status();
    const PGresult* row = answer.value().get();
    if (PQntuples(row) != 1) return Status::internal("postgres: retention answered no row");
    auto tasks = integerAt(row, 0, 0);
    if (!tasks.isOk()) return tasks.status();
    auto keys = integerAt(row, 0, 1);
    if (!keys.isOk()) return keys.status();
    deleted.tasks = static_cast<std::size_t>(tasks.value());
    deleted.keys = static_cast<std::size_t>(keys.value());
    return deleted;
  } catch (...) {
    return plugin::statusFromException("postgres: deleteFinishedBefore");
  }
}

Result<std::unique_ptr<TaskStore>> makeStore(const plugin::Settings& settings) {
  auto options = parseOptions(settings);
  if (!options.isOk()) return options.status();
  return openStore(options.value());
}

}  // namespace
}  // namespace cpe::stores::postgres

CPE_STORE_PLUGIN("postgres", cpe::stores::postgres::kConfigKeys,
                 cpe::stores::postgres::kConfigKeyCount, cpe::stores::postgres::makeStore)
