#pragma once

namespace cpe::ctl {

// What cpe-ctl's exit status tells a script (README, "cpe-ctl"). The
// numbers are an interface: scripts test them, so they never change.
// Retrying helps only after kUnavailable (and, later, after kNotFinished).
enum class ExitCode : int {
  kOk = 0,           // Completed; a task posted (without --wait); a history read
  kInternal = 1,     // cpe-ctl itself failed in a way it does not foresee (a bug)
  kUsage = 2,        // the command line, or a file or variable it names, is wrong; nothing sent
  kNotFound = 3,     // no such task for that device, or the equipment is not found (404)
  kFailed = 4,       // the task failed: A answered 500, or could not be reached in time
  kNotFinished = 5,  // still running when cpe-ctl stopped asking: --max-wait passed (timed
                     // out), or `status` without --wait
  kRefused = 6,      // the service refused the request as sent (4xx but 404 and 429): fix it
  kUnavailable = 7,  // no answer of the contract: cannot connect, TLS, no answer in time,
                     // 5xx refusals (503), 429, or a body that is not the contract's
};

inline int toInt(ExitCode code) { return static_cast<int>(code); }

// The exit code of an answer of the task-status endpoint, by the `code` its
// body carries (the HTTP status when it has no body: a bare 204): 200
// Completed, 204 still running, 404 task or equipment not found, 500 failed.
ExitCode exitCodeForTaskCode(int code);

// The exit code of an answer of the other endpoints (POST, history), by its
// `code`: there a 500 is the service's own failure, not a task's.
ExitCode exitCodeForAnswerCode(int code);

// One line naming what the code means, for --help.
const char* describe(ExitCode code);

}  // namespace cpe::ctl
