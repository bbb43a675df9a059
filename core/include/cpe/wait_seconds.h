#pragma once

#include <chrono>
#include <string>
#include <variant>

#include "cpe/provisioning_request.h"

namespace cpe {

// GET …/cpe/{id}/task/{task}?waitSeconds=N (api-contract.md, "Waiting and
// history"): answer once the task is terminal, or after N seconds.
inline constexpr int kMinWaitSeconds = 1;
inline constexpr int kMaxWaitSeconds = 60;

// The wait a status request asks for, from its request URI (path and query
// as sent): zero when it has no waitSeconds parameter; a 400 RequestError
// naming waitSeconds when the value is not an integer from 1 to 60 (digits
// only: no sign, no fraction, no blanks) or the parameter is given twice.
// Other query parameters are ignored, as they were before waitSeconds.
std::variant<std::chrono::seconds, RequestError> parseWaitSeconds(const std::string& uri);

}  // namespace cpe
