#include "cpe/equipment_id.h"

namespace cpe {
namespace {

constexpr std::size_t kMinEquipmentIdLength = 6;

// std::isalnum depends on the C locale; the contract means ASCII only.
bool isAsciiAlnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

bool isValidEquipmentId(std::string_view id) noexcept {
  if (id.size() < kMinEquipmentIdLength) return false;
  for (char c : id) {
    if (!isAsciiAlnum(c)) return false;
  }
  return true;
}

}  // namespace cpe
