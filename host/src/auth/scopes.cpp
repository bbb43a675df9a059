#include "auth/scopes.h"

namespace cpe::host::auth {

std::optional<Scope> parseScope(std::string_view name) {
  for (const Scope scope : {Scope::kTasksWrite, Scope::kTasksRead, Scope::kOpsRead}) {
    if (name == scopeName(scope)) return scope;
  }
  return std::nullopt;
}

std::string_view scopeName(Scope scope) {
  switch (scope) {
    case Scope::kTasksWrite:
      return "tasks:write";
    case Scope::kTasksRead:
      return "tasks:read";
    case Scope::kOpsRead:
      return "ops:read";
  }
  return "";
}

}  // namespace cpe::host::auth
