#pragma once

#include <string>

#include "ctl_options.h"

namespace cpe::ctl {

// What --help prints for `topic`: a command's options, or (kHelp) the
// overview with the commands, the options every command takes, where they
// come from in the environment, and the exit codes. README "cpe-ctl" says
// the same.
std::string usageText(Command topic);

}  // namespace cpe::ctl
