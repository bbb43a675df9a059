#pragma once

#include <string>
#include <vector>

#include "console.h"
#include "ctl_options.h"
#include "exit_codes.h"

namespace cpe::ctl {

// cpe-ctl as a whole, minus the process: parses `args` (argv without the
// program name), answers --help and --version, reads the token file, sets
// up TLS and runs the command. Never throws: what nothing foresaw is
// reported and answered kInternal.
ExitCode runCtl(const std::vector<std::string>& args, const EnvironmentLookup& environment,
                Console& console);

}  // namespace cpe::ctl
