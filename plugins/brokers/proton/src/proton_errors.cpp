#include "proton_errors.h"

namespace cpe::brokers::proton_amqp {

Status statusFromCondition(const std::string& what, const proton::error_condition& condition) {
  const std::string text =
      "proton: " + what + ": " + (condition.empty() ? std::string("closed") : condition.what());
  const std::string& name = condition.name();
  // Refusals that configuration must fix: retrying the same thing cannot help.
  if (name == "amqp:unauthorized-access" || name == "amqp:not-implemented" ||
      name == "amqp:invalid-field" || name == "amqp:decode-error" || name == "amqp:not-allowed" ||
      name == "amqp:precondition-failed") {
    return Status::invalidArgument(text);
  }
  if (name == "amqp:internal-error") return Status::internal(text);
  // Everything else (transport loss, connection-forced, not-found of a queue
  // someone may yet provision, resource limits, idle timeouts) can clear up.
  return Status::unavailable(text);
}

}  // namespace cpe::brokers::proton_amqp
