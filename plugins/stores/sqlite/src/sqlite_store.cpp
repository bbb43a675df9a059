// The SQLite store: one database file in WAL mode. Writes go through one
// write connection under a mutex, in BEGIN IMMEDIATE transactions that wait
// out other processes' locks up to the busy timeout. Inserts, results and
// publish marks commit in groups (sqlite_writes.h): the writes that queue
// while one transaction is on its way to disk share the next one, and its
// fsync. Reads use a small pool of read connections, which WAL lets run
// beside the writer.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cpe/sdk/mutex.h"
#include "cpe/sdk/plugin_support.h"
#include "cpe/sdk/task_store.h"
#include "cpe/sdk/thread_annotations.h"
#include "cpe/sdk/write_group.h"
#include "sqlite_database.h"
#include "sqlite_options.h"
#include "sqlite_read_pool.h"
#include "sqlite_schema.h"
#include "sqlite_writes.h"

namespace cpe::stores::sqlite {
namespace {

constexpr const char* kSelectById =
    "SELECT id, equipment_id, timeout_seconds, parameters_json, status, result_code,"
    " result_message, created_at, updated_at FROM tasks WHERE id = ?1";
// Queries of queued tasks name their index: tasks_queued (status first) can
// serve each of them too, and SQLite, with no statistics, picked it, reading
// every queued task. Each WHERE clause repeats its partial index's.
//
// The outbox: tasks still to publish, oldest first.
constexpr const char* kUnpublished =
    "SELECT id, equipment_id, timeout_seconds, parameters_json, status, result_code,"
    " result_message, created_at, updated_at FROM tasks INDEXED BY tasks_outbox"
    " WHERE published = 0 AND status = 'queued' AND created_at <= ?1"
    " ORDER BY created_at, rowid LIMIT ?2";
// Published and still queued; rowid, implicit in the index, breaks ties.
constexpr const char* kPublishedBefore =
    "SELECT id, equipment_id, publish_count, last_published_at"
    " FROM tasks INDEXED BY tasks_published"
    " WHERE published = 1 AND status = 'queued' AND last_published_at < ?1"
    " ORDER BY last_published_at, rowid LIMIT ?2";
// Back to the outbox, where the partial index lists it by created_at again;
// the publish count stays.
constexpr const char* kMarkUnpublished =
    "UPDATE tasks SET published = 0 WHERE id = ?1 AND published = 1 AND status = 'queued'";
constexpr const char* kPing = "SELECT 1 FROM tasks LIMIT 1";
// One statement, so the count and the sample come from one snapshot; the
// count from tasks_queued alone. One row with a NULL id when the sample is
// empty.
constexpr const char* kQueuedBefore =
    "SELECT c.n, s.id FROM (SELECT count(*) AS n FROM tasks INDEXED BY tasks_queued"
    "  WHERE status = 'queued' AND created_at < ?1) AS c"
    " LEFT JOIN (SELECT id, created_at, rowid AS seq FROM tasks INDEXED BY tasks_queued"
    "  WHERE status = 'queued' AND created_at < ?1 ORDER BY created_at, rowid LIMIT ?2) AS s"
    " ON 1 ORDER BY s.created_at, s.seq";

// A device's history, newest first, from the tasks_device index in its
// order; the first page, and a page after a position ((created_at, id) in
// ?2, ?3: a row value, which the index seeks to).
constexpr const char* kDeviceTasks =
    "SELECT id, status, created_at, updated_at FROM tasks WHERE equipment_id = ?1"
    " ORDER BY created_at DESC, id DESC LIMIT ?4";
constexpr const char* kDeviceTasksAfter =
    "SELECT id, status, created_at, updated_at FROM tasks"
    " WHERE equipment_id = ?1 AND (created_at, id) < (?2, ?3)"
    " ORDER BY created_at DESC, id DESC LIMIT ?4";

// Queued tasks with parameters in the clear, in id order after ?1. The
// WHERE clause repeats the tasks_in_the_clear index's, so the index serves
// it in its order and reads only such tasks (once sealed, none).
constexpr const char* kQueuedInTheClear =
    "SELECT id, equipment_id, timeout_seconds, parameters_json, status, result_code,"
    " result_message, created_at, updated_at FROM tasks INDEXED BY tasks_in_the_clear"
    " WHERE status = 'queued' AND substr(parameters_json, 1, 1) = '{' AND id > ?1"
    " ORDER BY id LIMIT ?2";
// Retention: ?1 the cut-off, ?2 the batch. Each subquery reads its index
// (tasks_finished, idempotency_keys_age) from the oldest.
constexpr const char* kDeleteFinished =
    "DELETE FROM tasks WHERE rowid IN (SELECT rowid FROM tasks"
    " WHERE status <> 'queued' AND updated_at < ?1 ORDER BY updated_at LIMIT ?2)";
constexpr const char* kDeleteOldKeys =
    "DELETE FROM idempotency_keys WHERE (equipment_id, key) IN (SELECT equipment_id, key"
    " FROM idempotency_keys WHERE created_at < ?1 ORDER BY created_at LIMIT ?2)";
// Compare-and-set: only a queued task whose parameters are still ?2.
constexpr const char* kReplaceParameters =
    "UPDATE tasks SET parameters_json = ?3"
    " WHERE id = ?1 AND status = 'queued' AND parameters_json = ?2";

class SqliteStore final : public TaskStore {
 public:
  SqliteStore(std::unique_ptr<Connection> writer, std::vector<std::unique_ptr<Connection>> readers,
              std::size_t maxWriteBatch)
      : writes_(maxWriteBatch), writer_(std::move(writer)), readers_(std::move(readers)) {}

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
  // Runs `sql`, a DELETE with the cut-off as ?1 and the batch as ?2; how
  // many rows it deleted.
  Result<std::size_t> deleteLocked(const char* sql, EpochMillis before, std::int64_t limit,
                                   std::string_view what) CPE_REQUIRES(writeMu_);

  // Returns once `write` has been committed in a group, or has failed.
  void commitInGroup(PendingWrite& write);

  WriteGroup<PendingWrite> writes_;
  Mutex writeMu_;
  std::unique_ptr<Connection> writer_ CPE_GUARDED_BY(writeMu_);
  ReadPool readers_;
};

void SqliteStore::commitInGroup(PendingWrite& write) {
  writes_.submit(write, [this](const std::vector<PendingWrite*>& batch) {
    MutexLock lock(writeMu_);
    commitBatch(*writer_, batch);
  });
}

Status SqliteStore::insert(const Task& task) noexcept {
  try {
    InsertTask write(task);
    commitInGroup(write);
    return write.answer();
  } catch (...) {
    return plugin::statusFromException("sqlite: insert");
  }
}

Result<Task> SqliteStore::insertWithKey(const Task& task, const std::string& key,
                                        EpochMillis since) noexcept {
  try {
    if (key.empty()) return Status::invalidArgument("sqlite: empty idempotency key");
    InsertTaskWithKey write(task, key, since);
    commitInGroup(write);
    return write.answer();
  } catch (...) {
    return plugin::statusFromException("sqlite: insertWithKey");
  }
}

Result<Task> SqliteStore::get(const std::string& taskId) noexcept {
  try {
    ReadPool::Lease reader = readers_.acquire();
    auto statement = (*reader).statement(kSelectById);
    if (!statement.isOk()) return statement.status();
    Query query(statement.value());
    query.bind(1, taskId);
    const int rc = query.step();
    if (rc == SQLITE_DONE) return Status::notFound("sqlite: no task " + taskId);
    if (rc != SQLITE_ROW) return (*reader).error(rc, "get task " + taskId);
    return taskFromRow(query);
  } catch (...) {
    return plugin::statusFromException("sqlite: get");
  }
}

Result<bool> SqliteStore::complete(const TaskResult& result) noexcept {
  try {
    if (!isTerminal(result.status)) {
      return Status::invalidArgument(std::string("sqlite: result status '") +
                                     taskStatusName(result.status) + "' is not terminal");
    }
    CompleteTask write(result);
    commitInGroup(write);
    return write.answer();
  } catch (...) {
    return plugin::statusFromException("sqlite: complete");
  }
}

Result<std::vector<Task>> SqliteStore::unpublished(std::size_t limit,
                                                   EpochMillis createdBefore) noexcept {
  try {
    std::vector<Task> tasks;
    if (limit == 0) return tasks;
    ReadPool::Lease reader = readers_.acquire();
    auto statement = (*reader).statement(kUnpublished);
    if (!statement.isOk()) return statement.status();
    Query query(statement.value());
    // SQLite's LIMIT is signed; anything above INT64_MAX means "all" anyway.
    const auto boundedLimit = static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX));
    query.bind(1, createdBefore).bind(2, boundedLimit);
    int rc;
    while ((rc = query.step()) == SQLITE_ROW) {
      auto task = taskFromRow(query);
      if (!task.isOk()) return task.status();
      tasks.push_back(std::move(task).value());
    }
    if (rc != SQLITE_DONE) return (*reader).error(rc, "read the outbox");
    return tasks;
  } catch (...) {
    return plugin::statusFromException("sqlite: unpublished");
  }
}

Status SqliteStore::markPublished(const std::vector<std::string>& taskIds) noexcept {
  try {
    if (taskIds.empty()) return Status::ok();
    MarkPublished write(taskIds, nowMillis());
    commitInGroup(write);
    return write.answer();
  } catch (...) {
    return plugin::statusFromException("sqlite: markPublished");
  }
}

Result<std::vector<PublishedTask>> SqliteStore::publishedBefore(EpochMillis publishedBefore,
                                                                std::size_t limit) noexcept {
  try {
    std::vector<PublishedTask> tasks;
    if (limit == 0) return tasks;
    ReadPool::Lease reader = readers_.acquire();
    auto statement = (*reader).statement(kPublishedBefore);
    if (!statement.isOk()) return statement.status();
    Query query(statement.value());
    const auto boundedLimit = static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX));
    query.bind(1, publishedBefore).bind(2, boundedLimit);
    int rc;
    while ((rc = query.step()) == SQLITE_ROW) {
      tasks.push_back(
          {query.text(0), query.text(1), static_cast<int>(query.integer(2)), query.integer(3)});
    }
    if (rc != SQLITE_DONE) return (*reader).error(rc, "read published tasks");
    return tasks;
  } catch (...) {
    return plugin::statusFromException("sqlite: publishedBefore");
  }
}

// Rare (the reconciler found a lost message), so it commits on its own.
Status SqliteStore::markUnpublished(const std::vector<std::string>& taskIds) noexcept {
  try {
    if (taskIds.empty()) return Status::ok();
    MutexLock lock(writeMu_);
    auto statement = writer_->statement(kMarkUnpublished);
    if (!statement.isOk()) return statement.status();
    WriteTransaction transaction(*writer_);
    if (Status begun = transaction.begin(); !begun.isOk()) return begun;
    for (const auto& id : taskIds) {
      Query query(statement.value());
      query.bind(1, id);
      const int rc = query.step();
      if (rc != SQLITE_DONE) return writer_->error(rc, "mark task " + id + " unpublished");
    }
    return transaction.commit();
  } catch (...) {
    return plugin::statusFromException("sqlite: markUnpublished");
  }
}

Result<QueuedTasks> SqliteStore::queuedBefore(EpochMillis createdBefore,
                                              std::size_t sampleLimit) noexcept {
  try {
    QueuedTasks queued;
    ReadPool::Lease reader = readers_.acquire();
    auto statement = (*reader).statement(kQueuedBefore);
    if (!statement.isOk()) return statement.status();
    Query query(statement.value());
    const auto boundedLimit =
        static_cast<std::int64_t>(std::min<std::size_t>(sampleLimit, INT64_MAX));
    query.bind(1, createdBefore).bind(2, boundedLimit);
    int rc;
    while ((rc = query.step()) == SQLITE_ROW) {
      queued.count = static_cast<std::size_t>(query.integer(0));
      if (!query.isNull(1)) queued.oldestIds.push_back(query.text(1));
    }
    if (rc != SQLITE_DONE) return (*reader).error(rc, "count queued tasks");
    return queued;
  } catch (...) {
    return plugin::statusFromException("sqlite: queuedBefore");
  }
}

Result<std::vector<TaskSummary>> SqliteStore::listDeviceTasks(
    const std::string& equipmentId, std::size_t limit,
    const std::optional<TaskPosition>& after) noexcept {
  try {
    std::vector<TaskSummary> tasks;
    if (limit == 0) return tasks;
    ReadPool::Lease reader = readers_.acquire();
    auto statement = (*reader).statement(after ? kDeviceTasksAfter : kDeviceTasks);
    if (!statement.isOk()) return statement.status();
    Query query(statement.value());
    const auto boundedLimit = static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX));
    query.bind(1, equipmentId).bind(4, boundedLimit);
    if (after) query.bind(2, after->createdAt).bind(3, after->id);
    int rc;
    while ((rc = query.step()) == SQLITE_ROW) {
      const std::string status = query.text(1);
      auto parsed = parseTaskStatus(status);
      if (!parsed) {
        return Status::internal("sqlite: task " + query.text(0) + " has unknown status '" + status +
                                "'");
      }
      tasks.push_back({query.text(0), *parsed, query.integer(2), query.integer(3)});
    }
    if (rc != SQLITE_DONE) return (*reader).error(rc, "list a device's tasks");
    return tasks;
  } catch (...) {
    return plugin::statusFromException("sqlite: listDeviceTasks");
  }
}

Status SqliteStore::ping() noexcept {
  try {
    ReadPool::Lease reader = readers_.acquire();
    auto statement = (*reader).statement(kPing);
    if (!statement.isOk()) return statement.status();
    Query query(statement.value());
    const int rc = query.step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return (*reader).error(rc, "ping");
    return Status::ok();
  } catch (...) {
    return plugin::statusFromException("sqlite: ping");
  }
}

Result<std::vector<Task>> SqliteStore::queuedInTheClear(std::size_t limit,
                                                        const std::string& afterId) noexcept {
  try {
    std::vector<Task> tasks;
    if (limit == 0) return tasks;
    ReadPool::Lease reader = readers_.acquire();
    auto statement = (*reader).statement(kQueuedInTheClear);
    if (!statement.isOk()) return statement.status();
    Query query(statement.value());
    const auto boundedLimit = static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX));
    query.bind(1, afterId).bind(2, boundedLimit);
    int rc;
    while ((rc = query.step()) == SQLITE_ROW) {
      auto task = taskFromRow(query);
      if (!task.isOk()) return task.status();
      tasks.push_back(std::move(task).value());
    }
    if (rc != SQLITE_DONE) return (*reader).error(rc, "list tasks with parameters in the clear");
    return tasks;
  } catch (...) {
    return plugin::statusFromException("sqlite: queuedInTheClear");
  }
}

Result<bool> SqliteStore::replaceParameters(const std::string& taskId, const std::string& expected,
                                            const std::string& replacement) noexcept {
  try {
    MutexLock lock(writeMu_);
    auto statement = writer_->statement(kReplaceParameters);
    if (!statement.isOk()) return statement.status();
    WriteTransaction transaction(*writer_);
    if (Status begun = transaction.begin(); !begun.isOk()) return begun;
    bool replaced = false;
    {
      Query query(statement.value());
      query.bind(1, taskId).bind(2, expected).bind(3, replacement);
      const int rc = query.step();
      if (rc != SQLITE_DONE) return writer_->error(rc, "replace parameters of task " + taskId);
      replaced = sqlite3_changes(writer_->handle()) == 1;
    }
    if (Status committed = transaction.commit(); !committed.isOk()) return committed;
    return replaced;
  } catch (...) {
    return plugin::statusFromException("sqlite: replaceParameters");
  }
}

// On the write connection, like every write, in one short transaction: the
// group of new tasks waiting behind it waits for one batch of deletes.
Result<DeletedRows> SqliteStore::deleteFinishedBefore(EpochMillis finishedBefore,
                                                      std::size_t limit) noexcept {
  try {
    DeletedRows deleted;
    if (limit == 0) return deleted;
    const auto boundedLimit = static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX));
    MutexLock lock(writeMu_);
    WriteTransaction transaction(*writer_);
    if (Status begun = transaction.begin(); !begun.isOk()) return begun;
    auto tasks = deleteLocked(kDeleteFinished, finishedBefore, boundedLimit, "finished tasks");
    if (!tasks.isOk()) return tasks.status();
    auto keys = deleteLocked(kDeleteOldKeys, finishedBefore, boundedLimit, "idempotency keys");
    if (!keys.isOk()) return keys.status();
    if (Status committed = transaction.commit(); !committed.isOk()) return committed;
    deleted.tasks = tasks.value();
    deleted.keys = keys.value();
    return deleted;
  } catch (...) {
    return plugin::statusFromException("sqlite: deleteFinishedBefore");
  }
}

Result<std::size_t> SqliteStore::deleteLocked(const char* sql, EpochMillis before,
                                              std::int64_t limit, std::string_view what) {
  auto statement = writer_->statement(sql);
  if (!statement.isOk()) return statement.status();
  Query query(statement.value());
  query.bind(1, before).bind(2, limit);
  const int rc = query.step();
  if (rc != SQLITE_DONE) return writer_->error(rc, "delete old " + std::string(what));
  return static_cast<std::size_t>(sqlite3_changes(writer_->handle()));
}

Result<std::unique_ptr<TaskStore>> openStore(const SqliteOptions& options) {
  auto writer = Connection::open(options.path, /*create=*/true, options.busyTimeoutMs);
  if (!writer.isOk()) return writer.status();
  if (Status ready = prepareWriter(*writer.value(), options.synchronous); !ready.isOk()) {
    return ready;
  }
  // Readers open after the writer has made the file a WAL database with a
  // schema, so they never see it half made.
  std::vector<std::unique_ptr<Connection>> readers;
  readers.reserve(static_cast<std::size_t>(options.connections));
  for (int i = 0; i < options.connections; ++i) {
    auto reader = Connection::open(options.path, /*create=*/false, options.busyTimeoutMs);
    if (!reader.isOk()) return reader.status();
    if (Status ready = prepareReader(*reader.value()); !ready.isOk()) return ready;
    readers.push_back(std::move(reader).value());
  }
  return std::unique_ptr<TaskStore>(
      new SqliteStore(std::move(writer).value(), std::move(readers),
                      static_cast<std::size_t>(options.maxWriteBatch)));
}

Result<std::unique_ptr<TaskStore>> makeStore(const plugin::Settings& settings) {
  auto options = parseOptions(settings);
  if (!options.isOk()) return options.status();
  return openStore(options.value());
}

}  // namespace
}  // namespace cpe::stores::sqlite

CPE_STORE_PLUGIN("sqlite", cpe::stores::sqlite::kConfigKeys, cpe::stores::sqlite::kConfigKeyCount,
                 cpe::stores::sqlite::makeStore)
