#pragma once

// Thin RAII over the sqlite3 C API, private to the sqlite store plugin.
//
// Thread rule: a Connection, and the statements it prepared, are used by one
// thread at a time; the store's locks guarantee that (connections are opened
// SQLITE_OPEN_NOMUTEX, so SQLite does not lock them again).

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "cpe/sdk/status.h"

namespace cpe::stores::sqlite {

// The one place where sqlite3 result codes become a cpe::Status. `rc` is an
// extended result code; `db`, when given, supplies sqlite3_errmsg() (call
// this right after the failure, before anything else touches `db`). SQLite's
// messages never quote bound values, so no task parameters leak through.
Status statusFromSqlite(int rc, sqlite3* db, std::string_view what);

class Connection final {
 public:
  // Opens the database at `path` (creating the file if `create`), with
  // extended result codes and a busy timeout.
  static Result<std::unique_ptr<Connection>> open(const std::string& path, bool create,
                                                  int busyTimeoutMs);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* handle() const { return db_; }

  // Runs constant SQL without parameters: pragmas and schema statements.
  Status exec(const char* sql, std::string_view what);

  // `sql` prepared on this connection, once; the statement lives as long as
  // the connection. `sql` must be a constant: it is also the cache key.
  Result<sqlite3_stmt*> statement(const char* sql);

  Status error(int rc, std::string_view what) const { return statusFromSqlite(rc, db_, what); }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<std::string_view, sqlite3_stmt*> statements_;
};

// One use of a prepared statement: binds, steps, reads columns, and resets
// the statement when it goes out of scope, which also ends its implicit read
// transaction (an open one would hold back WAL checkpoints).
class Query final {
 public:
  explicit Query(sqlite3_stmt* statement) : statement_(statement) {}
  ~Query();
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  // Text is bound without a copy: it must outlive the Query.
  Query& bind(int index, std::string_view text);
  Query& bind(int index, std::int64_t value);

  // SQLITE_ROW, SQLITE_DONE, or the error code of the step or of a failed bind.
  int step();

  std::int64_t integer(int column) const;
  std::string text(int column) const;
  bool isNull(int column) const;

 private:
  sqlite3_stmt* statement_;
  int bindError_ = SQLITE_OK;
};

// A write transaction, BEGIN IMMEDIATE so that the write lock is taken (or
// waited for, up to the busy timeout) at the start rather than on the first
// write, where a busy answer could not be waited out. Rolls back unless
// committed.
class WriteTransaction final {
 public:
  explicit WriteTransaction(Connection& connection) : connection_(connection) {}
  ~WriteTransaction();
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;

  Status begin();
  Status commit();

 private:
  Status run(const char* sql, std::string_view what);

  Connection& connection_;
  bool open_ = false;
};

}  // namespace cpe::stores::sqlite
