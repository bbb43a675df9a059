#pragma once

#include <istream>
#include <string>
#include <variant>

#include "ctl_options.h"

namespace cpe::ctl {

// The body of `post`: the JSON object of --file when given (from
// `standardInput` for "-"), with each field a flag gives set over it:
//   {"timeoutInSeconds":S,"parameters":{"username":…,"password":…,
//    "vlan":N,"interfaces":[…]}}
// Fields of the file the flags do not touch are kept as written, in order.
// The service checks every rule of the contract; this checks only that the
// required fields are there, naming the flag that gives each, and that the
// body fits the service's 64 KiB. Errors never quote the password.
std::variant<std::string, UsageError> buildRequestBody(const PostOptions& post,
                                                       const EnvironmentLookup& environment,
                                                       std::istream& standardInput);

}  // namespace cpe::ctl
