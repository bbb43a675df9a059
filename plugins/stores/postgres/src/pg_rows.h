#pragma once

// Reading libpq answers and writing array parameters, for the postgres
// store's reads and writes alike.

#include <libpq-fe.h>

#include <cstdint>
#include <string>
#include <vector>

#include "cpe/sdk/status.h"
#include "cpe/sdk/task.h"

namespace cpe::stores::postgres {

// The bigint or integer at (row, column); kInternal if it is not a number.
Result<std::int64_t> integerAt(const PGresult* result, int row, int column);

// The text at (row, column).
std::string textAt(const PGresult* result, int row, int column);

// The Task in `row` of a result whose columns are, in this order: id,
// equipment_id, timeout_seconds, parameters_json, status, result_code,
// result_message, created_at, updated_at.
Result<Task> taskFromRow(const PGresult* result, int row);

// A text[] literal: every element quoted, so no item can split or end it.
std::string textArray(const std::vector<std::string>& items);

}  // namespace cpe::stores::postgres
