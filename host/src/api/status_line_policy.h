#pragma once

#include <optional>
#include <string>

namespace cpe::host::api {

// How the HTTP status line relates to the body's `code` on the two task
// endpoints (api-contract.md). The body is the same under all three.
enum class StatusLinePolicy {
  kMirror,    // status = code, except 202 for "still running" (code 204)
  kBare204,   // status = code; "still running" is a bare 204 with no body
  kEnvelope,  // 200 for every answer; the body's code tells the outcome
};

std::optional<StatusLinePolicy> parseStatusLinePolicy(const std::string& name);

struct StatusLine {
  int httpStatus;
  bool withBody;
};

// The one place where a body code becomes an HTTP status.
StatusLine statusLineFor(StatusLinePolicy policy, int code);

}  // namespace cpe::host::api
