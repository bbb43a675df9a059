#include "sqlite_writes.h"

#include <cstdint>
#include <utility>


namespace cpe::stores::sqlite {
namespace {

constexpr const char* kInsert =
    "INSERT INTO tasks (id, equipment_id, timeout_seconds, parameters_json, status, result_code,"
    " result_message, created_at, updated_at, published)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0)";
// The task that owns an idempotency key taken at or after ?3; its columns
// are taskFromRow's, all NULL if the task is missing. No row: the key is
// free, or old enough to be taken over. Inside a group's transaction it
// also sees a key an earlier write of the same group took.
constexpr const char* kKeyOwner =
    "SELECT t.id, t.equipment_id, t.timeout_seconds, t.parameters_json, t.status, t.result_code,"
    " t.result_message, t.created_at, t.updated_at, k.task_id"
    " FROM idempotency_keys AS k LEFT JOIN tasks AS t ON t.id = k.task_id"
    " WHERE k.equipment_id = ?1 AND k.key = ?2 AND k.created_at >= ?3";
constexpr const char* kTakeKey =
    "INSERT INTO idempotency_keys (equipment_id, key, task_id, created_at) VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT (equipment_id, key) DO UPDATE"
    " SET task_id = excluded.task_id, created_at = excluded.created_at";
// Only a queued task changes, so a redelivered result never overwrites a
// terminal one, whatever the interleaving.
constexpr const char* kComplete =
    "UPDATE tasks SET status = ?2, result_code = ?3, result_message = ?4, updated_at = ?5,"
    " published = 1, parameters_json = '' WHERE id = ?1 AND status = 'queued'";
constexpr const char* kExists = "SELECT 1 FROM tasks WHERE id = ?1";
// ?2 the store's clock. A queued task counts every publish, the broker
// having confirmed another copy of its message; a terminal one is left as
// it is.
constexpr const char* kMarkPublished =
    "UPDATE tasks SET published = 1, publish_count = publish_count + 1, last_published_at = ?2"
    " WHERE id = ?1 AND status = 'queued'";

// Runs `writes` in one transaction: OK once committed, else why not
// (rolled back).
Status runTogether(Connection& writer, const std::vector<PendingWrite*>& writes) {
  WriteTransaction transaction(writer);
  if (Status begun = transaction.begin(); !begun.isOk()) return begun;
  for (PendingWrite* write : writes) {
    if (Status applied = write->apply(writer); !applied.isOk()) return applied;
  }
  return transaction.commit();
}

}  // namespace

Result<Task> taskFromRow(const Query& row) {
  Task task;
  task.id = row.text(0);
  task.equipmentId = row.text(1);
  task.timeoutInSeconds = static_cast<int>(row.integer(2));
  task.parametersJson = row.text(3);
  const std::string status = row.text(4);
  auto parsed = parseTaskStatus(status);
  if (!parsed) {
    return Status::internal("sqlite: task " + task.id + " has unknown status '" + status + "'");
  }
  task.status = *parsed;
  task.resultCode = static_cast<int>(row.integer(5));
  task.resultMessage = row.text(6);
  task.createdAt = row.integer(7);
  task.updatedAt = row.integer(8);
  return task;
}

Status InsertTask::apply(Connection& writer) {
  auto statement = writer.statement(kInsert);
  if (!statement.isOk()) return statement.status();
  Query query(statement.value());
  query.bind(1, task_.id)
      .bind(2, task_.equipmentId)
      .bind(3, std::int64_t{task_.timeoutInSeconds})
      .bind(4, task_.parametersJson)
      .bind(5, taskStatusName(task_.status))
      .bind(6, std::int64_t{task_.resultCode})
      .bind(7, task_.resultMessage)
      .bind(8, task_.createdAt)
      .bind(9, task_.updatedAt);
  const int rc = query.step();
  if (rc != SQLITE_DONE) return writer.error(rc, "insert task " + task_.id);
  return Status::ok();
}

// The look-up and both writes run in one BEGIN IMMEDIATE transaction: its
// write lock, held from the look-up to the commit, makes racing callers of
// every process on the file take turns, and the later ones find the first
// one's key (in this process, a later write of the same group finds it in
// the shared transaction).
Status InsertTaskWithKey::apply(Connection& writer) {
  owner_.reset();
  auto owner = writer.statement(kKeyOwner);
  if (!owner.isOk()) return owner.status();
  auto take = writer.statement(kTakeKey);
  if (!take.isOk()) return take.status();
  {
    Query query(owner.value());
    query.bind(1, task_.equipmentId).bind(2, key_).bind(3, since_);
    const int rc = query.step();
    if (rc == SQLITE_ROW && query.isNull(0)) {
      return Status::internal("sqlite: idempotency key owned by missing task " + query.text(9));
    }
    if (rc == SQLITE_ROW) {
      auto found = taskFromRow(query);
      if (!found.isOk()) return found.status();
      owner_ = std::move(found).value();
      return Status::ok();  // nothing to write
    }
    if (rc != SQLITE_DONE) return writer.error(rc, "look up idempotency key");
  }
  if (Status inserted = InsertTask(task_).apply(writer); !inserted.isOk()) return inserted;
  Query query(take.value());
  query.bind(1, task_.equipmentId).bind(2, key_).bind(3, task_.id).bind(4, task_.createdAt);
  const int rc = query.step();
  if (rc != SQLITE_DONE) return writer.error(rc, "store idempotency key");
  return Status::ok();
}

Result<Task> InsertTaskWithKey::answer() const {
  if (!committed().isOk()) return committed();
  return owner_ ? *owner_ : task_;
}

Status CompleteTask::apply(Connection& writer) {
  applied_ = false;
  missing_ = false;
  auto update = writer.statement(kComplete);
  if (!update.isOk()) return update.status();
  auto exists = writer.statement(kExists);
  if (!exists.isOk()) return exists.status();
  const EpochMillis updatedAt = result_.finishedAt != 0 ? result_.finishedAt : nowMillis();
  {
    Query query(update.value());
    query.bind(1, result_.taskId)
        .bind(2, taskStatusName(result_.status))
        .bind(3, std::int64_t{result_.code})
        .bind(4, result_.message)
        .bind(5, updatedAt);
    const int rc = query.step();
    if (rc != SQLITE_DONE) return writer.error(rc, "complete task " + result_.taskId);
    applied_ = sqlite3_changes(writer.handle()) == 1;
  }
  if (applied_) return Status::ok();
  // Nothing changed: the task is terminal already, or does not exist.
  Query query(exists.value());
  query.bind(1, result_.taskId);
  const int rc = query.step();
  if (rc == SQLITE_DONE) missing_ = true;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    return writer.error(rc, "complete task " + result_.taskId);
  }
  return Status::ok();
}

Result<bool> CompleteTask::answer() const {
  if (!committed().isOk()) return committed();
  if (missing_) return Status::notFound("sqlite: no task " + result_.taskId);
  return applied_;
}

Status MarkPublished::apply(Connection& writer) {
  auto statement = writer.statement(kMarkPublished);
  if (!statement.isOk()) return statement.status();
  for (const auto& id : taskIds_) {
    Query query(statement.value());
    query.bind(1, id).bind(2, now_);
    const int rc = query.step();
    if (rc != SQLITE_DONE) return writer.error(rc, "mark task " + id + " published");
  }
  return Status::ok();
}

void commitBatch(Connection& writer, const std::vector<PendingWrite*>& batch) noexcept {
  try {
    const Status together = runTogether(writer, batch);
    // UNAVAILABLE (a lock held past the busy timeout, a failing or full
    // disk) fails every write alike; anything else (a duplicate id) may be
    // one write's, so each tries again alone.
    if (together.isOk() || batch.size() == 1 || together.code() == StatusCode::kUnavailable) {
      for (PendingWrite* write : batch) write->settle(together);
      return;
    }
    for (PendingWrite* write : batch) write->settle(runTogether(writer, {write}));
  } catch (...) {
    // Only allocation fails here. A write whose transaction was rolled back
    // on the way keeps its first outcome, "not committed", which is true;
    // one committed before it stays settled.
  }
}

}  // namespace cpe::stores::sqlite
