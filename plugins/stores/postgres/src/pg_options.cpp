#include "pg_options.h"

#include <libpq-fe.h>

#include <iterator>
#include <string_view>

#include "cpe/sdk/plugin_settings.h"

namespace cpe::stores::postgres {
namespace {

// Lower case only: an unquoted identifier folds to lower case, so the name
// an operator types into psql is the name the store uses.
bool isIdentifier(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;  // NAMEDATALEN - 1
  const auto isStart = [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; };
  if (!isStart(name.front())) return false;
  for (char c : name) {
    if (!isStart(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

// libpq's own parser, so that a typo is refused at start rather than on the
// first connect. Its message is dropped: it may quote part of the string,
// password included.
bool isConninfo(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (error != nullptr) PQfreemem(error);
  if (options == nullptr) return false;
  PQconninfoFree(options);
  return true;
}

}  // namespace

const plugin::ConfigKey kConfigKeys[] = {
    {"connection", "host=127.0.0.1 port=5432 dbname=cpe user=cpe password=cpe",
     "libpq connection string (key=value or postgresql:// URI), handed to libpq as written: "
     "several hosts with target_session_attrs=read-write connect to whichever is the primary. "
     "It holds a password, so it is never logged or quoted in errors. Unless given here: "
     "connect_timeout=3, so a server that is down fails calls quickly; tcp_user_timeout=15000 "
     "keepalives=1 keepalives_idle=10 keepalives_interval=5 keepalives_count=3, so a server "
     "cut off by a silent network partition fails calls in about 15 s, not the kernel's 15 "
     "minutes; application_name=cpe-store. A value written here wins, e.g. "
     "tcp_user_timeout=0 for the system's default, keepalives=0 for none."},
    {"poolSize", "8",
     "Connections shared by the API, worker, results and outbox threads, opened on demand "
     "and reopened after a failure; new tasks commit on up to half of them at once, results "
     "and publish marks on one more, so below 3 a read can wait for a commit. 1 to 256."},
    {"maxWriteBatch", "256",
     "Writes (new tasks, results, publish marks) that queue while a commit waits for its WAL "
     "flush share the next transaction, up to this many; each still answers only once its "
     "own commit is durable. 1 commits every write alone. 1 to 10000."},
    {"acquireTimeoutMs", "5000",
     "How long a call waits for a free pooled connection before it answers UNAVAILABLE."},
    {"schema", "public",
     "Database schema holding the tables, created with them on start if missing; lower-case "
     "letters, digits and '_', not starting with a digit."},
    {"statementTimeoutMs", "5000",
     "PostgreSQL statement_timeout for every statement; a statement cut off answers "
     "UNAVAILABLE. 0 disables the limit."},
    {"claimLeaseMs", "30000",
     "How long tasks this host accepted or handed out by its outbox sweep stay reserved for "
     "it; after it another host may sweep them, so tasks of a host that died are still "
     "published."},
};
const std::size_t kConfigKeyCount = std::size(kConfigKeys);

Result<PostgresOptions> parseOptions(const plugin::Settings& settings) {
  const plugin::SettingsReader reader(settings, kConfigKeys, kConfigKeyCount, "store.postgres");
  PostgresOptions options;
  options.connection = reader.value("connection");
  if (!isConninfo(options.connection)) {
    return Status::invalidArgument(
        "store.postgres.connection is not a valid libpq connection string (value not shown: it "
        "may hold a password)");
  }
  options.schema = reader.value("schema");
  if (!isIdentifier(options.schema)) {
    return reader.refused("schema", options.schema,
                          "a lower-case identifier ([a-z_][a-z0-9_]*, at most 63 characters)");
  }
  if (Status read = reader.readInt("poolSize", 1, 256, options.poolSize); !read.isOk()) {
    return read;
  }
  if (Status read = reader.readInt("maxWriteBatch", 1, 10'000, options.maxWriteBatch);
      !read.isOk()) {
    return read;
  }
  if (Status read = reader.readInt("acquireTimeoutMs", 0, 3'600'000, options.acquireTimeoutMs);
      !read.isOk()) {
    return read;
  }
  if (Status read = reader.readInt("statementTimeoutMs", 0, 3'600'000, options.statementTimeoutMs);
      !read.isOk()) {
    return read;
  }
  if (Status read = reader.readInt("claimLeaseMs", 1, 86'400'000, options.claimLeaseMs);
      !read.isOk()) {
    return read;
  }
  return options;
}

}  // namespace cpe::stores::postgres
