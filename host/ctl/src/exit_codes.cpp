#include "exit_codes.h"

namespace cpe::ctl {
namespace {

// 429 and 503 say "not now": asking again later may succeed.
bool isRetryLater(int code) { return code == 429 || code >= 500; }

}  // namespace

ExitCode exitCodeForTaskCode(int code) {
  switch (code) {
    case 200:
      return ExitCode::kOk;
    case 204:
      return ExitCode::kNotFinished;
    case 500:
      return ExitCode::kFailed;
    default:
      return exitCodeForAnswerCode(code);
  }
}

ExitCode exitCodeForAnswerCode(int code) {
  if (code >= 200 && code < 300) return ExitCode::kOk;
  if (code == 404) return ExitCode::kNotFound;
  if (isRetryLater(code)) return ExitCode::kUnavailable;
  if (code >= 400) return ExitCode::kRefused;
  return ExitCode::kUnavailable;  // 1xx, 3xx: nothing the contract answers
}

const char* describe(ExitCode code) {
  switch (code) {
    case ExitCode::kOk:
      return "Completed; a task posted without --wait; a history read";
    case ExitCode::kInternal:
      return "cpe-ctl failed unexpectedly";
    case ExitCode::kUsage:
      return "usage error: the command line, or a file or variable it names; nothing was sent";
    case ExitCode::kNotFound:
      return "not found: no such task for the device, or the equipment is not found";
    case ExitCode::kFailed:
      return "failed: A answered 500, or could not be reached within the retry budget";
    case ExitCode::kNotFinished:
      return "not finished: still running when --max-wait passed (timed out), or status "
             "without --wait";
    case ExitCode::kRefused:
      return "refused: the service turned the request down (400, 401, 403, 413, ...)";
    case ExitCode::kUnavailable:
      return "unavailable: cannot connect, TLS, no answer in time, 503 or another 5xx "
             "refusal, 429; ask again later";
  }
  return "";
}

}  // namespace cpe::ctl
