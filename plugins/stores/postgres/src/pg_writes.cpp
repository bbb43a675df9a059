#include "pg_writes.h"

#include <algorithm>
#include <utility>

#include "pg_rows.h"

namespace cpe::stores::postgres {
namespace {

// New tasks, each claimed at once for the inserting instance, whose relay
// publishes it on the fast path: another host's sweep must not publish it
// too while that publish waits for its confirm, however slow the broker is.
// $1..$9 one array per column, a row per task; $10 lease ms, $11 this
// instance. The lease runs on the server's clock.
const PreparedStatement kInsertMany{
    "cpe_insert_many",
    "INSERT INTO tasks (id, equipment_id, timeout_seconds, parameters_json, status, result_code,"
    " result_message, created_at, updated_at, claimed_by, claimed_until)"
    " SELECT n.id, n.equipment_id, n.timeout_seconds, n.parameters_json, n.status, n.result_code,"
    " n.result_message, n.created_at, n.updated_at, $11,"
    " (extract(epoch FROM statement_timestamp()) * 1000)::bigint + $10"
    " FROM unnest($1::text[], $2::text[], $3::integer[], $4::text[], $5::text[], $6::integer[],"
    " $7::text[], $8::bigint[], $9::bigint[])"
    " AS n(id, equipment_id, timeout_seconds, parameters_json, status, result_code,"
    " result_message, created_at, updated_at)"};
// $1 equipment id, $2 key, $3 task id, $4 its created_at, $5 since. Run
// before the task is inserted, in the same transaction. A free key is
// inserted, one taken before $5 is taken over, and either way RETURNING
// answers a row: insert the task. No row: the key's owner is recent and
// stays; the statement has locked its row (ON CONFLICT DO UPDATE locks the
// conflicting row whether or not its WHERE passes) until the transaction
// ends. If the conflicting row is another transaction's uncommitted insert or
// update, this waits for it to end, then re-checks the row's latest version
// (READ COMMITTED): of calls racing with one key, exactly one inserts. A
// key an earlier write of the same group took is this transaction's own.
const PreparedStatement kTakeKey{
    "cpe_take_key",
    "INSERT INTO idempotency_keys (equipment_id, key, task_id, created_at)"
    " VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (equipment_id, key) DO UPDATE"
    " SET task_id = EXCLUDED.task_id, created_at = EXCLUDED.created_at"
    " WHERE idempotency_keys.created_at < $5 RETURNING task_id"};
// The task owning a key (taskFromRow's columns, all NULL if the task is
// missing), then the owner's id. Run after kTakeKey answered no row, as a new
// statement: READ COMMITTED gives it a snapshot that sees the owner's commit.
const PreparedStatement kKeyOwner{
    "cpe_key_owner",
    "SELECT t.id, t.equipment_id, t.timeout_seconds, t.parameters_json, t.status, t.result_code,"
    " t.result_message, t.created_at, t.updated_at, k.task_id"
    " FROM idempotency_keys k LEFT JOIN tasks t ON t.id = k.task_id"
    " WHERE k.equipment_id = $1 AND k.key = $2"};
// One statement: only a queued task changes, so a redelivered result never
// overwrites a terminal one whatever the interleaving, and the same snapshot
// tells a terminal task (0 updated, exists) from a missing one.
const PreparedStatement kComplete{
    "cpe_complete",
    "WITH applied AS (UPDATE tasks SET status = $2, result_code = $3, result_message = $4,"
    " updated_at = $5, published = true, parameters_json = '' WHERE id = $1"
    " AND status = 'queued' RETURNING 1)"
    " SELECT (SELECT count(*) FROM applied), EXISTS (SELECT 1 FROM tasks WHERE id = $1)"};
// $1 ids, $2 the store's clock. A queued task counts every publish, the
// broker having confirmed another copy of its message; a terminal one is
// left as it is. The ids are joined, each looked up by primary key: as
// "id = ANY($1)" every row found was checked again against the whole
// array, which made a relay's batch of n marks cost n^2 comparisons.
// "IS NOT DISTINCT FROM", the same as "=" on a NOT NULL column, does not
// match tasks_queued's predicate: with "=", statistics counting fewer
// queued tasks than there are (a backlog grown since the last ANALYZE)
// made the planner read that whole index into a hash join for each batch.
const PreparedStatement kMarkPublished{
    "cpe_mark_published",
    "UPDATE tasks t SET published = true, publish_count = t.publish_count + 1,"
    " last_published_at = $2 FROM unnest($1::text[]) AS marked(id)"
    " WHERE t.id = marked.id AND t.status IS NOT DISTINCT FROM 'queued'"};

// kInsertMany for `tasks`.
Status insertTasks(Connection& db, const OutboxClaim& claim,
                   const std::vector<const Task*>& tasks) {
  std::vector<std::string> columns[9];
  for (auto& column : columns) column.reserve(tasks.size());
  for (const Task* task : tasks) {
    columns[0].push_back(task->id);
    columns[1].push_back(task->equipmentId);
    columns[2].push_back(std::to_string(task->timeoutInSeconds));
    columns[3].push_back(task->parametersJson);
    columns[4].push_back(taskStatusName(task->status));
    columns[5].push_back(std::to_string(task->resultCode));
    columns[6].push_back(task->resultMessage);
    columns[7].push_back(std::to_string(task->createdAt));
    columns[8].push_back(std::to_string(task->updatedAt));
  }
  std::string arrays[9];
  for (int i = 0; i < 9; ++i) arrays[i] = textArray(columns[i]);
  const std::string what = tasks.size() == 1 ? "insert task " + tasks.front()->id
                                             : "insert " + std::to_string(tasks.size()) + " tasks";
  auto inserted = db.execute(kInsertMany.name,
                             {arrays[0], arrays[1], arrays[2], arrays[3], arrays[4], arrays[5],
                              arrays[6], arrays[7], arrays[8], claim.leaseMs, claim.instanceId},
                             what);
  return inserted.isOk() ? Status::ok() : inserted.status();
}

// Runs `writes` in one transaction, or as one statement when that is all
// they take: OK once committed, else why not (rolled back).
Status runTogether(Connection& db, const OutboxClaim& claim,
                   const std::vector<PendingWrite*>& writes) {
  std::vector<const Task*> newTasks;
  std::vector<PendingWrite*> others;
  for (PendingWrite* write : writes) {
    if (const Task* task = write->newTask()) {
      newTasks.push_back(task);
    } else {
      others.push_back(write);
    }
  }
  if (others.empty()) return insertTasks(db, claim, newTasks);
  if (newTasks.empty() && others.size() == 1 && !others[0]->needsTransaction()) {
    return others[0]->apply(db, claim);
  }
  // Keys in one order (writes of one key keep theirs: the first takes it).
  std::stable_sort(others.begin(), others.end(), [](const PendingWrite* a, const PendingWrite* b) {
    return a->lockedKey() < b->lockedKey();
  });
  Transaction transaction(db);
  if (Status begun = transaction.begin(); !begun.isOk()) return begun;
  if (!newTasks.empty()) {
    if (Status inserted = insertTasks(db, claim, newTasks); !inserted.isOk()) return inserted;
  }
  for (PendingWrite* write : others) {
    if (Status applied = write->apply(db, claim); !applied.isOk()) return applied;
  }
  return transaction.commit();
}

}  // namespace

const std::vector<PreparedStatement>& writeStatements() {
  static const std::vector<PreparedStatement> statements{kInsertMany, kTakeKey, kKeyOwner,
                                                         kComplete, kMarkPublished};
  return statements;
}

Status InsertTask::apply(Connection& db, const OutboxClaim& claim) {
  return insertTasks(db, claim, {&task_});
}

// The key first, whose row lock makes racing calls take turns (see
// kTakeKey), then the task, in the caller's transaction: a failure rolls
// both back, so a key never points to a task that was not stored.
Status InsertTaskWithKey::apply(Connection& db, const OutboxClaim& claim) {
  owner_.reset();
  auto taken = db.execute(
      kTakeKey.name,
      {task_.equipmentId, key_, task_.id, std::to_string(task_.createdAt), std::to_string(since_)},
      "take idempotency key");
  if (!taken.isOk()) return taken.status();
  if (PQntuples(taken.value().get()) != 0) return insertTasks(db, claim, {&task_});

  auto owner = db.execute(kKeyOwner.name, {task_.equipmentId, key_}, "read the key's task");
  if (!owner.isOk()) return owner.status();
  const PGresult* rows = owner.value().get();
  // The key's row is locked by this transaction, so it is there.
  if (PQntuples(rows) != 1) return Status::internal("postgres: idempotency key vanished");
  if (PQgetisnull(rows, 0, 0) != 0) {
    return Status::internal("postgres: idempotency key owned by missing task " +
                            textAt(rows, 0, 9));
  }
  auto found = taskFromRow(rows, 0);
  if (!found.isOk()) return found.status();
  owner_ = std::move(found).value();
  return Status::ok();
}

Result<Task> InsertTaskWithKey::answer() const {
  if (!committed().isOk()) return committed();
  return owner_ ? *owner_ : task_;
}

Status CompleteTask::apply(Connection& db, const OutboxClaim&) {
  applied_ = false;
  missing_ = false;
  const EpochMillis updatedAt = result_.finishedAt != 0 ? result_.finishedAt : nowMillis();
  auto answer =
      db.execute(kComplete.name,
                 {result_.taskId, taskStatusName(result_.status), std::to_string(result_.code),
                  result_.message, std::to_string(updatedAt)},
                 "complete task " + result_.taskId);
  if (!answer.isOk()) return answer.status();
  const PGresult* row = answer.value().get();
  if (PQntuples(row) != 1) return Status::internal("postgres: complete answered no row");
  auto applied = integerAt(row, 0, 0);
  if (!applied.isOk()) return applied.status();
  applied_ = applied.value() == 1;
  missing_ = !applied_ && textAt(row, 0, 1) != "t";
  return Status::ok();
}

Result<bool> CompleteTask::answer() const {
  if (!committed().isOk()) return committed();
  if (missing_) return Status::notFound("postgres: no task " + result_.taskId);
  return applied_;
}

Status MarkPublished::apply(Connection& db, const OutboxClaim&) {
  auto marked = db.execute(kMarkPublished.name, {textArray(taskIds_), std::to_string(now_)},
                           "mark tasks published");
  return marked.isOk() ? Status::ok() : marked.status();
}

void commitBatch(Connection& db, const OutboxClaim& claim,
                 const std::vector<PendingWrite*>& batch) noexcept {
  try {
    const Status together = runTogether(db, claim, batch);
    // A lost connection fails every write alike; anything else (a
    // duplicate id, a deadlock with another host's group) may be one
    // write's, so each tries again alone.
    if (together.isOk() || batch.size() == 1 || !db.isReusable()) {
      for (PendingWrite* write : batch) write->settle(together);
      return;
    }
    for (PendingWrite* write : batch) write->settle(runTogether(db, claim, {write}));
  } catch (...) {
    // Only allocation fails here. A write whose transaction was rolled back
    // on the way keeps its first outcome, "not committed", which is true;
    // one committed before it stays settled.
  }
}

}  // namespace cpe::stores::postgres
