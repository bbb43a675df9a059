#pragma once

// Thin RAII over a libpq connection, private to the postgres store plugin.
//
// Thread rule: a Connection is used by one thread at a time; the pool lends
// each to one caller.

#include <libpq-fe.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cpe/sdk/status.h"

namespace cpe::stores::postgres {

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

// A statement every pooled connection prepares once, right after connecting.
struct PreparedStatement {
  const char* name;
  const char* sql;
};

// What every connection is opened with.
struct ConnectionSettings {
  std::string conninfo;
  std::string schema;  // validated identifier; becomes the search_path
  int statementTimeoutMs = 0;
};

class Connection final {
 public:
  // Connects with the conninfo as written, over the store's connect and
  // network timeouts (pg_connection.cpp) that it may override; sets
  // statement_timeout and search_path, and prepares `statements`.
  // kUnavailable when the server cannot be reached.
  static Result<std::unique_ptr<Connection>> open(const ConnectionSettings& settings,
                                                  const std::vector<PreparedStatement>& statements);
  ~Connection() { PQfinish(connection_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs a prepared statement with text parameters. The result is a command
  // or a row set; anything else is the error statusFromPg makes of it.
  Result<PgResult> execute(const char* name, std::initializer_list<std::string_view> parameters,
                           std::string_view what);

  // Runs constant SQL, several statements allowed, without parameters.
  Result<PgResult> executeSql(const std::string& sql, std::string_view what);

  // True while the connection can be lent again: connected and outside any
  // transaction.
  bool isReusable() const;

 private:
  explicit Connection(PGconn* connection) : connection_(connection) {}
  Result<PgResult> check(PGresult* result, std::string_view what) const;

  PGconn* connection_;
};

// An explicit READ COMMITTED transaction, rolled back unless committed, so
// that its connection goes back to the pool idle. (The pool closes a
// connection given back inside a transaction, and every idle one with it,
// as it would after a lost server; a rollback that fails leaves it to that.)
class Transaction final {
 public:
  explicit Transaction(Connection& connection) : connection_(connection) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Status begin();
  Status commit();

 private:
  Connection& connection_;
  bool open_ = false;
};

}  // namespace cpe::stores::postgres
