#include "pg_errors.h"

#include <cstring>
#include <string>

namespace cpe::stores::postgres {
namespace {

bool isRetryable(const char* sqlstate) {
  if (std::strncmp(sqlstate, "08", 2) == 0 || std::strncmp(sqlstate, "53", 2) == 0) return true;
  for (const char* code : {"57P01", "57P02", "57P03", "57014", "55P03", "40001", "40P01"}) {
    if (std::strcmp(sqlstate, code) == 0) return true;
  }
  return false;
}

// libpq's messages end in a newline and continue on tab-indented lines.
std::string oneLine(const char* text) {
  std::string line;
  for (const char* c = text; *c != '\0'; ++c) {
    if (*c == '\n') {
      if (c[1] != '\0') line += "; ";
    } else if (*c != '\t') {
      line += *c;
    }
  }
  return line;
}

}  // namespace

Status statusFromPg(const PGconn* connection, const PGresult* result, std::string_view what) {
  const char* sqlstate = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary =
      result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message = "postgres: ";
  message.append(what).append(": ");
  if (primary != nullptr) {
    message += oneLine(primary);
  } else if (connection != nullptr) {
    message += oneLine(PQerrorMessage(connection));
  } else {
    message += "out of memory";
  }
  if (sqlstate != nullptr) message.append(" (SQLSTATE ").append(sqlstate).append(")");

  if (connection != nullptr && PQstatus(connection) == CONNECTION_BAD) {
    return Status::unavailable(std::move(message));
  }
  if (sqlstate == nullptr) return Status::internal(std::move(message));
  if (isRetryable(sqlstate)) return Status::unavailable(std::move(message));
  if (std::strcmp(sqlstate, "23505") == 0) return Status::alreadyExists(std::move(message));
  return Status::internal(std::move(message));
}

}  // namespace cpe::stores::postgres
