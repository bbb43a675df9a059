#pragma once

// The test PostgreSQL (deploy/local/start-postgres.sh), reached outside the
// plugin to set up and inspect what the plugin wrote.

#include <string>

namespace cpe::testing {

// The conninfo of the test database: $CPE_TEST_POSTGRES, or
// "host=127.0.0.1 port=5432 dbname=cpe_test user=cpe password=cpe".
std::string testPostgresConninfo();

// A schema name no other test (or test process) uses.
std::string uniqueSchemaName();

// The first column of the first row of `sql` (several statements allowed),
// or "" when there is none; a failure is a test failure, reported with
// `sql` but never with the conninfo.
std::string queryPostgres(const std::string& sql);

}  // namespace cpe::testing
