#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cpe::host::auth {

// What a token may do: each route needs one scope (api-contract.md).
enum class Scope : std::uint8_t {
  kTasksWrite = 1U << 0U,  // POST a task
  kTasksRead = 1U << 1U,   // GET a task's status or a device's history
  kOpsRead = 1U << 2U,     // GET /readyz and /metrics where they need a token
};

class ScopeSet {
 public:
  ScopeSet() = default;
  void add(Scope scope) { bits_ |= static_cast<std::uint8_t>(scope); }
  bool has(Scope scope) const { return (bits_ & static_cast<std::uint8_t>(scope)) != 0; }
  bool empty() const { return bits_ == 0; }

 private:
  std::uint8_t bits_ = 0;
};

// "tasks:write", "tasks:read", "ops:read"; nullopt for anything else.
std::optional<Scope> parseScope(std::string_view name);
std::string_view scopeName(Scope scope);

}  // namespace cpe::host::auth
