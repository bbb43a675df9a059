#include "cpe/sdk/broker.h"

namespace cpe {

const char* queueRoleName(QueueRole role) noexcept {
  return role == QueueRole::kTasks ? "tasks" : "results";
}

}  // namespace cpe
