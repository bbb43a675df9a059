#pragma once

#include <istream>
#include <ostream>
#include <string>

#include "exit_codes.h"

namespace cpe::ctl {

// Where a command reads and writes: results on `out`, errors and the live
// progress line on `err`, so that `out` stays clean for a pipe.
struct Console {
  std::ostream& out;
  std::ostream& err;
  std::istream& in;    // --file -
  bool errIsTerminal;  // the live progress line is drawn only on a terminal
};

// Writes "cpe-ctl: <message>" on `err` and returns `code`, for
// `return fail(console, ExitCode::kUsage, "...")`.
inline ExitCode fail(Console& console, ExitCode code, const std::string& message) {
  console.err << "cpe-ctl: " << message << "\n";
  return code;
}

}  // namespace cpe::ctl
