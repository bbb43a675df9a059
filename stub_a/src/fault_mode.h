#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace cpe::stub {

// How the stub spoils its answer to a valid request, after the delay, so the
// fault suite can show what callers of A do with answers the real A never
// gives. kNone (the default) answers as A does.
enum class FaultMode {
  kNone,       // A's documented answers
  kGarbage,    // HTTP 200 whose body is not JSON at all
  kBadStatus,  // HTTP 418, a status A never uses, with a non-JSON body
  kClose,      // part of the status line and headers, then the connection closes
  kDrop,       // the connection closes with no answer at all
  kDrip,       // A's answer, one byte at a time, kDripInterval apart (about 20 s)
};

// How long a dripped answer waits between its bytes: each wait is short of
// any sane socket timeout, the whole far longer than one.
inline constexpr std::chrono::milliseconds kDripInterval{200};

// "none", "garbage", "badStatus", "close", "drop", "drip"; nullopt otherwise.
std::optional<FaultMode> parseFaultMode(std::string_view name);
const char* faultModeName(FaultMode mode);

}  // namespace cpe::stub
