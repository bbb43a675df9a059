#include "cpe/json_limits.h"

namespace cpe {

std::size_t countJsonMembers(std::string_view json) noexcept {
  std::size_t members = 0;
  bool inString = false;
  bool escaped = false;
  for (const char c : json) {
    if (inString) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        inString = false;
      }
    } else if (c == '"') {
      inString = true;
    } else if (c == ':') {
      ++members;  // outside strings, JSON has a colon only after a member's name
    }
  }
  return members;
}

}  // namespace cpe
