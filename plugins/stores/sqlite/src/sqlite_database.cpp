#include "sqlite_database.h"

#include <climits>

namespace cpe::stores::sqlite {

Status statusFromSqlite(int rc, sqlite3* db, std::string_view what) {
  std::string message = "sqlite: ";
  message.append(what).append(": ").append(db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    // The file is locked by another writer, or the disk or file system is
    // failing: conditions that can pass.
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:  // a WAL lock race SQLite gave up retrying
      return Status::unavailable(std::move(message));
    case SQLITE_CONSTRAINT:
      // The only unique key written without ON CONFLICT is the task id;
      // other constraints (NOT NULL, CHECK) failing means a bug.
      if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
        return Status::alreadyExists(std::move(message));
      }
      return Status::internal(std::move(message));
    default:
      return Status::internal(std::move(message));
  }
}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path, bool create,
                                                     int busyTimeoutMs) {
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  // Even a failed open returns a handle (or null when out of memory) that
  // carries the message and must be closed.
  std::unique_ptr<Connection> connection(db != nullptr ? new Connection(db) : nullptr);
  if (rc != SQLITE_OK) return statusFromSqlite(rc, db, "cannot open '" + path + "'");
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busyTimeoutMs);
  return connection;
}

Connection::~Connection() {
  for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
  sqlite3_close_v2(db_);
}

Status Connection::exec(const char* sql, std::string_view what) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return error(rc, what);
  return Status::ok();
}

Result<sqlite3_stmt*> Connection::statement(const char* sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return it->second;
  sqlite3_stmt* prepared = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &prepared, nullptr);
  if (rc != SQLITE_OK) return error(rc, "prepare");
  try {
    statements_.emplace(sql, prepared);
  } catch (...) {
    sqlite3_finalize(prepared);
    throw;
  }
  return prepared;
}

Query::~Query() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

Query& Query::bind(int index, std::string_view text) {
  if (bindError_ != SQLITE_OK) return *this;
  if (text.size() > static_cast<std::size_t>(INT_MAX)) {
    bindError_ = SQLITE_TOOBIG;
    return *this;
  }
  bindError_ = sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()),
                                 SQLITE_STATIC);
  return *this;
}

Query& Query::bind(int index, std::int64_t value) {
  if (bindError_ == SQLITE_OK) bindError_ = sqlite3_bind_int64(statement_, index, value);
  return *this;
}

int Query::step() {
  if (bindError_ != SQLITE_OK) return bindError_;
  return sqlite3_step(statement_);
}

std::int64_t Query::integer(int column) const { return sqlite3_column_int64(statement_, column); }

bool Query::isNull(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

std::string Query::text(int column) const {
  const unsigned char* bytes = sqlite3_column_text(statement_, column);
  if (bytes == nullptr) return {};
  const int size = sqlite3_column_bytes(statement_, column);
  return std::string(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(size));
}

WriteTransaction::~WriteTransaction() {
  // SQLite rolls back by itself after some errors (SQLITE_FULL, some I/O
  // errors); a second ROLLBACK would only fail.
  if (!open_ || sqlite3_get_autocommit(connection_.handle()) != 0) return;
  try {
    run("ROLLBACK", "rollback");
  } catch (...) {
    // begin() prepared ROLLBACK already, so only building a message could
    // throw; the next begin() rolls back what is left.
  }
}

Status WriteTransaction::begin() {
  // A transaction left open by a failed rollback would make every later
  // BEGIN fail: end it first.
  if (sqlite3_get_autocommit(connection_.handle()) == 0) run("ROLLBACK", "rollback");
  if (auto rollback = connection_.statement("ROLLBACK"); !rollback.isOk()) return rollback.status();
  Status status = run("BEGIN IMMEDIATE", "begin transaction");
  open_ = status.isOk();
  return status;
}

Status WriteTransaction::commit() {
  Status status = run("COMMIT", "commit");
  if (status.isOk()) open_ = false;
  return status;
}

Status WriteTransaction::run(const char* sql, std::string_view what) {
  auto statement = connection_.statement(sql);
  if (!statement.isOk()) return statement.status();
  Query query(statement.value());
  const int rc = query.step();
  if (rc != SQLITE_DONE) return connection_.error(rc, what);
  return Status::ok();
}

}  // namespace cpe::stores::sqlite
