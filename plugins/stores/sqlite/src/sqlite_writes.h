#pragma once

// The writes the SQLite store commits in groups (cpe/sdk/write_group.h):
// each knows its statements and keeps its own answer, so writes that share
// one transaction, and one fsync, still answer one by one.

#include <optional>
#include <string>
#include <vector>

#include "cpe/sdk/status.h"
#include "cpe/sdk/task.h"
#include "sqlite_database.h"

namespace cpe::stores::sqlite {

// The Task in the current row of a query whose columns are, in this order:
// id, equipment_id, timeout_seconds, parameters_json, status, result_code,
// result_message, created_at, updated_at.
Result<Task> taskFromRow(const Query& row);

class PendingWrite {
 public:
  virtual ~PendingWrite() = default;

  // Runs this write's statements in the writer's open transaction and keeps
  // what it will answer once that commits. An error means the transaction
  // must not commit.
  virtual Status apply(Connection& writer) = 0;

  // How the transaction that held it ended: OK once committed.
  void settle(Status committed) { committed_ = std::move(committed); }
  const Status& committed() const { return committed_; }

 private:
  Status committed_ = Status::unavailable("sqlite: the write was not committed");
};

// TaskStore::insert.
class InsertTask final : public PendingWrite {
 public:
  explicit InsertTask(const Task& task) : task_(task) {}
  Status apply(Connection& writer) override;
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
  Status apply(Connection& writer) override;
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
  Status apply(Connection& writer) override;
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
  Status apply(Connection& writer) override;
  Status answer() const { return committed(); }

 private:
  const std::vector<std::string>& taskIds_;
  const EpochMillis now_;
};

// Commits `batch` in one transaction. If a write fails or the commit does,
// it rolls back and commits each write again in a transaction of its own,
// so one bad write fails only itself; when the file stays locked past the
// busy timeout or the disk fails (UNAVAILABLE), every write answers that
// without a retry. Settles every write of the batch; never throws.
void commitBatch(Connection& writer, const std::vector<PendingWrite*>& batch) noexcept;

}  // namespace cpe::stores::sqlite
