#include "cpe/log_text.h"

namespace cpe {

std::string sanitizeForLog(std::string_view text, std::size_t maxLength) {
  std::string safe;
  safe.reserve(std::min(text.size(), maxLength) + 3);
  for (std::size_t i = 0; i < text.size() && i < maxLength; ++i) {
    const char c = text[i];
    safe += (c >= 0x21 && c <= 0x7e) ? c : '?';
  }
  if (text.size() > maxLength) safe += "...";
  return safe;
}

}  // namespace cpe
