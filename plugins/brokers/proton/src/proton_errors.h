#pragma once

#include <proton/error_condition.hpp>
#include <string>

#include "cpe/sdk/status.h"

namespace cpe::brokers::proton_amqp {

// The one place where an AMQP 1.0 error condition becomes a Status. `what`
// says what failed ("connection", "tasks sender", …).
Status statusFromCondition(const std::string& what, const proton::error_condition& condition);

}  // namespace cpe::brokers::proton_amqp
