#include "usage_text.h"

#include "exit_codes.h"

namespace cpe::ctl {
namespace {

constexpr const char* kOverview =
    R"(cpe-ctl: post CPE provisioning tasks to service B and follow them.

Usage:
  cpe-ctl post DEVICE [REQUEST OPTIONS] [--wait [--max-wait S]] [--json]
  cpe-ctl status DEVICE TASK [--wait [--max-wait S]] [--json]
  cpe-ctl history DEVICE [--limit N] [--after CURSOR] [--all] [--json]
  cpe-ctl help [COMMAND] | --help | --version

'cpe-ctl help COMMAND' lists a command's options.

Options of every command:
  --url URL          B's base URL (env CPE_URL; default https://localhost:8444)
  --ca-file FILE     PEM CA bundle that signs B's certificate (env CPE_CA_FILE;
                     default: the system's CAs)
  --token-file FILE  read a bearer token from FILE (first line); sent as
                     "Authorization: Bearer", never printed
  --token TOKEN      the token itself (env CPE_TOKEN); visible to other users in ps
  --json             print the final JSON answer only, for scripts

Output: results on stdout, errors on stderr. --wait shows a live line on a
terminal (stderr): elapsed seconds and the task's status.
)";

constexpr const char* kPostHelp = R"(cpe-ctl post DEVICE [OPTIONS]
  Posts a provisioning task for DEVICE and prints its task id.

  --file FILE               a request body in JSON ("-": stdin); the flags below
                            set their fields over it
  --username NAME           parameters.username
  --password-file FILE      parameters.password from FILE's first line
  --password-env VAR        parameters.password from the variable VAR
  --password PASSWORD       the password itself: visible to other users in ps
  --vlan N                  parameters.vlan (optional)
  --interface N[,N...]      parameters.interfaces; repeat or list with commas
  --timeout S               timeoutInSeconds
  --idempotency-key KEY     sent as Idempotency-Key: posting again with the same
                            key answers the first task instead of a new one
  --wait                    follow the task to its end (long-polls, no busy polling)
  --max-wait S              stop following after S seconds (exit 5)
  --json                    print the service's answer ({"code":200,"taskId":...});
                            with --wait the final status with its taskId
)";

constexpr const char* kStatusHelp = R"(cpe-ctl status DEVICE TASK [OPTIONS]
  Prints a task's status: Completed, Task is still running, or why it failed.

  --wait                    follow the task to its end (long-polls, no busy polling)
  --max-wait S              stop following after S seconds (exit 5)
  --json                    print {"taskId":...,"code":...,"message":...}
)";

constexpr const char* kHistoryHelp = R"(cpe-ctl history DEVICE [OPTIONS]
  Lists a device's tasks, newest first: created, status, task id, finished.

  --limit N                 tasks per page (1-100; the service's default is 20)
  --after CURSOR            start after this cursor (the `next` of a page)
  --all                     follow every page to the last
  --json                    print the service's answer (with --all: every page's
                            tasks in one {"code":200,"tasks":[...]})
)";

std::string exitCodeTable() {
  std::string text = "Exit codes:\n";
  for (ExitCode code :
       {ExitCode::kOk, ExitCode::kInternal, ExitCode::kUsage, ExitCode::kNotFound,
        ExitCode::kFailed, ExitCode::kNotFinished, ExitCode::kRefused, ExitCode::kUnavailable}) {
    text += "  " + std::to_string(toInt(code)) + "  " + describe(code) + "\n";
  }
  return text;
}

}  // namespace

std::string usageText(Command topic) {
  switch (topic) {
    case Command::kPost:
      return kPostHelp;
    case Command::kStatus:
      return kStatusHelp;
    case Command::kHistory:
      return kHistoryHelp;
    default:
      return std::string(kOverview) + "\n" + exitCodeTable();
  }
}

}  // namespace cpe::ctl
