#pragma once

#include <Poco/Net/HTTPServerRequest.h>

#include <chrono>
#include <optional>
#include <string>

#include "auth/api_tokens.h"
#include "auth/auth_options.h"
#include "auth/rate_limiter.h"

namespace cpe::host::auth {

// What a route asks of its caller.
enum class Need {
  kNothing,  // open to anyone (/healthz)
  kCaller,   // any known caller: answers that need no scope (404, 405)
  kTasksWrite,
  kTasksRead,
  kOpsRead,
};

struct Verdict {
  enum class Kind { kAllowed, kUnauthorized, kForbidden, kRateLimited };
  Kind kind = Kind::kAllowed;
  std::string caller;                  // the caller's name, once known
  std::chrono::seconds retryAfter{0};  // kRateLimited: when to try again
  bool allowed() const { return kind == Kind::kAllowed; }
};

// Decides, before any handler runs, whether a request may go on: who the
// caller is (a client certificate whose subject names a caller, else the
// Bearer token), whether it has the route's scope, and whether it is within
// its rate limit. Thread-safe.
class AccessControl {
 public:
  explicit AccessControl(const AuthOptions& options);

  bool enabled() const { return enabled_; }
  Verdict check(const Poco::Net::HTTPServerRequest& request, Need need);

 private:
  const ApiToken* identify(const Poco::Net::HTTPServerRequest& request) const;

  bool enabled_;
  TokenRegistry registry_;
  RateLimiter limiter_;
};

}  // namespace cpe::host::auth
