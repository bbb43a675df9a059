#include "api/status_line_policy.h"

namespace cpe::host::api {
namespace {

// "Task is still running": 204 in the body, as the brief writes it.
constexpr int kStillRunningCode = 204;
// HTTP forbids content in a 204 response (RFC 9110, 15.3.5), so the default
// policy answers 202 Accepted: "accepted, not finished".
constexpr int kStillRunningStatus = 202;

}  // namespace

std::optional<StatusLinePolicy> parseStatusLinePolicy(const std::string& name) {
  if (name == "mirror") return StatusLinePolicy::kMirror;
  if (name == "bare204") return StatusLinePolicy::kBare204;
  if (name == "envelope") return StatusLinePolicy::kEnvelope;
  return std::nullopt;
}

StatusLine statusLineFor(StatusLinePolicy policy, int code) {
  switch (policy) {
    case StatusLinePolicy::kMirror:
      return {code == kStillRunningCode ? kStillRunningStatus : code, true};
    case StatusLinePolicy::kBare204:
      return {code, code != kStillRunningCode};
    case StatusLinePolicy::kEnvelope:
      return {200, true};
  }
  return {code, true};
}

}  // namespace cpe::host::api
