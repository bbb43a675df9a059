#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cpe {

// `size` bytes as lower-case hex digits, two per byte.
std::string toHex(const unsigned char* bytes, std::size_t size);

// Exactly 2 * `size` hex digits (either case) into `size` bytes at `out`;
// false, and `out` left in any state, for any other text.
bool fromHex(std::string_view hex, unsigned char* out, std::size_t size);

}  // namespace cpe
