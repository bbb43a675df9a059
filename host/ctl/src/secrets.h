#pragma once

#include <string>
#include <variant>

#include "ctl_options.h"

namespace cpe::ctl {

// Secrets (the device password, the bearer token) never appear in what
// cpe-ctl prints: the errors below name the option and the file or
// variable, never the text.

// The first line of the file at `path`, without its line end ("\n" or
// "\r\n"), as `echo secret > file` writes it. `option` names the flag for
// the error.
std::variant<std::string, UsageError> readSecretFile(const std::string& option,
                                                     const std::string& path);

// The value of the variable `name`; a UsageError when it is not set.
std::variant<std::string, UsageError> readSecretVariable(const std::string& option,
                                                         const std::string& name,
                                                         const EnvironmentLookup& environment);

}  // namespace cpe::ctl
