#pragma once

#include <string_view>

namespace cpe {

// True when `id` is a device serial number as the contract defines it:
// ^[a-zA-Z0-9]{6,}$ (ASCII letters and digits only, at least six of them).
bool isValidEquipmentId(std::string_view id) noexcept;

}  // namespace cpe
