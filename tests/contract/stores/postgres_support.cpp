#include "postgres_support.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <random>

namespace cpe::testing {

std::string testPostgresConninfo() {
  const char* fromEnvironment = std::getenv("CPE_TEST_POSTGRES");
  if (fromEnvironment != nullptr && *fromEnvironment != '\0') return fromEnvironment;
  return "host=127.0.0.1 port=5432 dbname=cpe_test user=cpe password=cpe connect_timeout=3";
}

std::string uniqueSchemaName() {
  static std::atomic<int> counter{0};
  static const unsigned salt = std::random_device{}() % 100000;
  return "cpe_test_" + std::to_string(getpid()) + "_" + std::to_string(salt) + "_" +
         std::to_string(counter++);
}

std::string queryPostgres(const std::string& sql) {
  PGconn* connection = PQconnectdb(testPostgresConninfo().c_str());
  std::string answer;
  if (PQstatus(connection) != CONNECTION_OK) {
    ADD_FAILURE() << "cannot connect to the test PostgreSQL: " << PQerrorMessage(connection);
  } else {
    // DROP SCHEMA ... CASCADE and the like send notices nobody reads.
    PQsetNoticeProcessor(
        connection, [](void*, const char*) {}, nullptr);
    PGresult* result = PQexec(connection, sql.c_str());
    const ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_TUPLES_OK && PQntuples(result) > 0) {
      answer = PQgetvalue(result, 0, 0);
    } else if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      ADD_FAILURE() << sql << ": " << PQresultErrorMessage(result);
    }
    PQclear(result);
  }
  PQfinish(connection);
  return answer;
}

}  // namespace cpe::testing
