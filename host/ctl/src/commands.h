#pragma once

#include "api_client.h"
#include "console.h"
#include "ctl_options.h"
#include "exit_codes.h"

namespace cpe::ctl {

// The three commands. Each runs a parsed invocation against `client`,
// prints its result on console.out (--json: the JSON answer only) and its
// errors on console.err, and returns the exit code (exit_codes.h).

// post DEVICE: builds the body (request_body.h), posts it, prints the task
// id; with --wait follows the task to its end (followTask).
ExitCode runPost(const Invocation& invocation, const ApiClient& client,
                 const EnvironmentLookup& environment, Console& console);

// status DEVICE TASK: prints the task's status once, or with --wait
// follows it to its end.
ExitCode runStatus(const Invocation& invocation, const ApiClient& client, Console& console);

// history DEVICE: prints a page of the device's tasks, or every page with
// --all.
ExitCode runHistory(const Invocation& invocation, const ApiClient& client, Console& console);

}  // namespace cpe::ctl
