#pragma once

#include <libpq-fe.h>

#include <string_view>

#include "cpe/sdk/status.h"

namespace cpe::stores::postgres {

// The one place where libpq failures become a cpe::Status. `result` is the
// failed result, or null when there is none (a failed connect, no memory);
// `connection` may be null. Only the server's primary message is kept: the
// DETAIL of a constraint error can quote a row, parameters included.
//
// kUnavailable: the connection is bad or was lost, SQLSTATE class 08
// (connection), 53 (insufficient resources, e.g. too many connections),
// 57P01-57P03 (server shutting down or starting), 57014 (statement_timeout),
// 55P03 (lock not available), 40001 and 40P01 (serialization failure,
// deadlock). kAlreadyExists: 23505 (unique violation; the only unique key
// written without ON CONFLICT is the task id). Anything else: kInternal.
Status statusFromPg(const PGconn* connection, const PGresult* result, std::string_view what);

}  // namespace cpe::stores::postgres
