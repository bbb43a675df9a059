#include "pg_connection.h"

#include <array>
#include <iterator>

#include "pg_errors.h"

namespace cpe::stores::postgres {
namespace {

struct Parameter {
  const char* keyword;
  const char* value;
};

// What every connection is opened with unless the operator's conninfo sets
// it (connectWithDefaults()); the `connection` setting lists them too.
constexpr Parameter kDefaultParameters[] = {
    // A connect that gets no answer gives up after this long, per host of a
    // multi-host conninfo, so calls during an outage answer quickly.
    {"connect_timeout", "3"},
    {"application_name", "cpe-store"},
    // libpq has no timeout of its own once connected, and the system's
    // keepalive waits two hours: a server cut off without a FIN or RST (a
    // partition, a host that lost power) holds a call until the kernel stops
    // retransmitting, about 15 minutes. Here, data the server's kernel has
    // not acknowledged after 15 s closes the connection and the call answers
    // kUnavailable. The kernel acknowledges, not the backend, so a busy
    // server or a slow statement never trips it; 15 s rides out about six
    // retransmissions (a short blip).
    {"tcp_user_timeout", "15000"},
    // A connection silent for 10 s (idle in the pool, or waiting on a slow
    // statement) is probed every 5 s. Linux, with tcp_user_timeout, closes it
    // 15 s after the server last answered, so a call waiting for an answer
    // fails then too; elsewhere three lost probes close it, after 25 s.
    {"keepalives", "1"},
    {"keepalives_idle", "10"},
    {"keepalives_interval", "5"},
    {"keepalives_count", "3"},
};
constexpr std::size_t kDefaultCount = std::size(kDefaultParameters);

// Opens a connection with kDefaultParameters, then `conninfo`: libpq applies
// keywords in order and expands a conninfo given as "dbname" where it
// stands, so anything the operator wrote wins. The conninfo reaches libpq
// untouched: a URI, several hosts and target_session_attrs work as libpq
// documents them.
PGconn* connectWithDefaults(const std::string& conninfo) {
  std::array<const char*, kDefaultCount + 2> keywords{};  // ends in nullptr
  std::array<const char*, kDefaultCount + 2> values{};
  for (std::size_t i = 0; i < kDefaultCount; ++i) {
    keywords[i] = kDefaultParameters[i].keyword;
    values[i] = kDefaultParameters[i].value;
  }
  // cppcheck 2.10 takes the arrays for kDefaultCount long, not kDefaultCount + 2:
  // cppcheck-suppress containerOutOfBounds
  keywords[kDefaultCount] = "dbname";
  // cppcheck-suppress containerOutOfBounds
  values[kDefaultCount] = conninfo.c_str();
  return PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1);
}

// CREATE ... IF NOT EXISTS and the like send notices, which libpq would
// print on stderr; nothing in them is for the operator.
void ignoreNotice(void* /*arg*/, const char* /*message*/) {}

std::string quoteIdentifier(const std::string& identifier) { return '"' + identifier + '"'; }

}  // namespace

Result<std::unique_ptr<Connection>> Connection::open(
    const ConnectionSettings& settings, const std::vector<PreparedStatement>& statements) {
  PGconn* raw = connectWithDefaults(settings.conninfo);
  if (raw == nullptr) return statusFromPg(nullptr, nullptr, "connect");
  std::unique_ptr<Connection> connection(new Connection(raw));
  if (PQstatus(raw) != CONNECTION_OK) return statusFromPg(raw, nullptr, "connect");
  PQsetNoticeProcessor(raw, ignoreNotice, nullptr);

  // The schema is the one name in SQL not bound as a parameter: it was
  // validated as a plain identifier, and is quoted besides.
  const std::string setup =
      "SET statement_timeout = " + std::to_string(settings.statementTimeoutMs) +
      "; SET search_path TO " + quoteIdentifier(settings.schema);
  if (auto set = connection->executeSql(setup, "configure session"); !set.isOk()) {
    return set.status();
  }
  for (const PreparedStatement& statement : statements) {
    auto prepared = connection->check(PQprepare(raw, statement.name, statement.sql, 0, nullptr),
                                      std::string("prepare ") + statement.name);
    if (!prepared.isOk()) return prepared.status();
  }
  return connection;
}

Result<PgResult> Connection::execute(const char* name,
                                     std::initializer_list<std::string_view> parameters,
                                     std::string_view what) {
  // Text parameters travel as C strings: each needs its terminator, and an
  // embedded NUL, which no PostgreSQL text can hold, would cut it short.
  std::vector<std::string> owned;
  owned.reserve(parameters.size());
  std::vector<const char*> values;
  values.reserve(parameters.size());
  for (std::string_view parameter : parameters) {
    if (parameter.find('\0') != std::string_view::npos) {
      return Status::invalidArgument("postgres: " + std::string(what) +
                                     ": text contains a NUL character");
    }
    owned.emplace_back(parameter);
    values.push_back(owned.back().c_str());
  }
  PGresult* result = PQexecPrepared(connection_, name, static_cast<int>(values.size()),
                                    values.data(), nullptr, nullptr, /*resultFormat=*/0);
  return check(result, what);
}

Result<PgResult> Connection::executeSql(const std::string& sql, std::string_view what) {
  return check(PQexec(connection_, sql.c_str()), what);
}

bool Connection::isReusable() const {
  return PQstatus(connection_) == CONNECTION_OK && PQtransactionStatus(connection_) == PQTRANS_IDLE;
}

Result<PgResult> Connection::check(PGresult* raw, std::string_view what) const {
  PgResult result(raw);
  const ExecStatusType status = PQresultStatus(raw);
  if (raw != nullptr && (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)) {
    return result;
  }
  return statusFromPg(connection_, raw, what);
}

Transaction::~Transaction() {
  if (!open_) return;
  try {
    connection_.executeSql("ROLLBACK", "rollback");
  } catch (...) {
    // Only building a string could throw; the pool closes the connection.
  }
}

Status Transaction::begin() {
  // Named, not left to default_transaction_isolation: the callers' race
  // arguments are made for READ COMMITTED.
  auto begun = connection_.executeSql("BEGIN ISOLATION LEVEL READ COMMITTED", "begin");
  if (!begun.isOk()) return begun.status();
  open_ = true;
  return Status::ok();
}

Status Transaction::commit() {
  // Whatever COMMIT answers, the transaction is over: committed, rolled back
  // by the server, or left on a lost connection the pool will close.
  open_ = false;
  auto committed = connection_.executeSql("COMMIT", "commit");
  return committed.isOk() ? Status::ok() : committed.status();
}

}  // namespace cpe::stores::postgres
