#pragma once

#include <Poco/Net/HTTPRequestHandler.h>

#include <optional>
#include <string>

#include "auth/access_control.h"
#include "ops/ops_context.h"

namespace cpe::host::ops {

// The operational routes, written once for B's API and the ops endpoint:
//   GET /healthz  200 while the process serves
//   GET /readyz   200 when the store (if any) and the broker answer, else 503
//   GET /metrics  the process's metrics, Prometheus text format
// For one of these paths returns its handler (405 with Allow for another
// method) and sets `route` to its metric label ("healthz", "readyz",
// "metrics"); for any other path returns null and leaves `route` alone.
// One of these paths: its metric label ("healthz", "readyz", "metrics") and
// what it asks of a caller where callers must present a token: nothing for
// /healthz (probes carry none), ops:read for the others. Nullopt for any
// other path.
struct OpsRoute {
  const char* name;
  auth::Need need;
};
std::optional<OpsRoute> matchOpsRoute(const std::string& path);

Poco::Net::HTTPRequestHandler* routeOps(const OpsContext& context, const std::string& path,
                                        const std::string& method, const char*& route);

}  // namespace cpe::host::ops
