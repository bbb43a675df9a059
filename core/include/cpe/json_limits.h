#pragma once

#include <cstddef>
#include <string_view>

namespace cpe {

// The most name/value members all objects of one request body may hold
// together (a task message: these plus its own envelope). Far above any real
// device configuration, and it keeps parsing cheap: the check for repeated
// names of a request body, and Poco's parser keeping a task message's
// object order, spend time quadratic in an object's members (a POST of
// 7,000 members in 64 KiB took 145 ms in a Release build; one of 1,000
// takes about 1.5 ms to read, 4.3 ms through a Poco::JSON::Object).
inline constexpr std::size_t kMaxJsonMembers = 1000;

// How many name/value members the objects of a JSON text hold in all,
// counted in one pass without parsing (strings are skipped), so that an
// oversized text is refused before the parser sees it. On text that is not
// JSON the count means nothing, but the parser refuses that text anyway.
std::size_t countJsonMembers(std::string_view json) noexcept;

}  // namespace cpe
