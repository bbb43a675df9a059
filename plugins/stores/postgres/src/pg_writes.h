#pragma once

// The writes the postgres store commits in groups (cpe/sdk/write_group.h):
// each knows its statements and keeps its own answer, so writes that share
// one transaction, and one WAL flush, still answer one by one. The new
// tasks of a group go in with one multi-row INSERT.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cpe/sdk/status.h"
#include "cpe/sdk/task.h"
#include "pg_connection.h"

namespace cpe::stores::postgres {

// The statements the writes run; every pooled connection prepares them.
const std::vector<PreparedStatement>& writeStatements();

// How this store instance claims the tasks it inserts for its own relay
// (see pg_store.cpp): for how long, in ms as text, and under which name.
struct OutboxClaim {
  std::string leaseMs;
  std::string instanceId;
};

class PendingWrite {
 public:
  virtual ~PendingWrite() = default;

  // The task, if this write is a plain insert: a group inserts all of its
  // new tasks with one statement, and calls apply() on the other writes.
  virtual const Task* newTask() const { return nullptr; }
  // False if apply() runs one statement, which is its own transaction when
  // it is a group's only one.
  virtual bool needsTransaction() const = 0;

  // The idempotency key whose row apply() locks, as (equipment id, key);
  // empty if none. A group takes its keys in this order, so groups in
  // flight together never wait for each other's keys in a cycle (a deadlock
  // PostgreSQL would break only after deadlock_timeout, by failing one).
  virtual std::pair<std::string_view, std::string_view> lockedKey() const { return {}; }

  // Runs this write's statements in the group's transaction and keeps what
  // it will answer once that commits. An error means it must not commit.
  virtual Status apply(Connection& db, const OutboxClaim& claim) = 0;

  // How the transaction that held it ended: OK once committed.
  void settle(Status committed) { committed_ = std::move(committed); }
  const Status& committed() const { return committed_; }

 private:
  Status committed_ = Status::unavailable("postgres: the write was not committed");
};

// TaskStore::insert.
class InsertTask final : public PendingWrite {
 public:
  explicit InsertTask(const Task& task) : task_(task) {}
  const Task* newTask() const override { return &task_; }
  bool needsTransaction() const override { return false; }
  Status apply(Connection& db, const OutboxClaim& claim) override;
  Status answer() const { return committed(); }

 private:
  const Task& task_;
};

// TaskStore::insertWithKey: the key's recent owner, or the task inserted
// with the key.
class InsertTaskWithKey final : public PendingWrite {
 public:
  InsertTaskWithKey(const Task& task, const std::string& key, EpochMillis since)
      : task_(task), key_(key), since_(since) {}
  bool needsTransaction() const override { return true; }
  std::pair<std::string_view, std::string_view> lockedKey() const override {
    return {task_.equipmentId, key_};
  }
  Status apply(Connection& db, const OutboxClaim& claim) override;
  Result<Task> answer() const;

 private:
  const Task& task_;
  const std::string& key_;
  const EpochMillis since_;
  std::optional<Task> owner_;  // set when the key was taken recently
};

// TaskStore::complete: true if applied, false if the task was terminal.
class CompleteTask final : public PendingWrite {
 public:
  explicit CompleteTask(const TaskResult& result) : result_(result) {}
  bool needsTransaction() const override { return false; }
  Status apply(Connection& db, const OutboxClaim& claim) override;
  Result<bool> answer() const;

 private:
  const TaskResult& result_;
  bool applied_ = false;
  bool missing_ = false;
};

// TaskStore::markPublished: each queued task of `taskIds` counts one more
// publish, stamped `now`.
class MarkPublished final : public PendingWrite {
 public:
  MarkPublished(const std::vector<std::string>& taskIds, EpochMillis now)
      : taskIds_(taskIds), now_(now) {}
  bool needsTransaction() const override { return false; }
  Status apply(Connection& db, const OutboxClaim& claim) override;
  Status answer() const { return committed(); }

 private:
  const std::vector<std::string>& taskIds_;
  const EpochMillis now_;
};

// Commits `batch` in one transaction (or one statement, when that is all it
// takes). If a write fails or the commit does, it rolls back and commits
// each write again on its own, so one bad write fails only itself; if the
// connection is lost, every write answers that without a retry. Settles
// every write of the batch; never throws.
void commitBatch(Connection& db, const OutboxClaim& claim,
                 const std::vector<PendingWrite*>& batch) noexcept;

}  // namespace cpe::stores::postgres
