#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cpe {

// Makes client-supplied text (a device id from a URL, say) safe for a log
// line: printable ASCII only, other bytes as '?', cut to `maxLength` with
// "..." so one request cannot forge or flood log lines.
std::string sanitizeForLog(std::string_view text, std::size_t maxLength = 64);

}  // namespace cpe
