#pragma once

#include <cstdint>

namespace cpe {

// Raises the soft limit on open files to the hard limit. A server holding
// 1,000s of connections needs more than the common default soft limit of
// 1,024. Returns the soft limit in force afterwards.
std::uint64_t raiseOpenFileLimit() noexcept;

}  // namespace cpe
