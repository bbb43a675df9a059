#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace cpe::testing {

// How a command-line program ran: its exit code (128 + signal number when
// killed by one), what it wrote on each stream, and how long it took.
struct ProgramRun {
  int exitCode = -1;
  std::string out;
  std::string err;
  std::chrono::steady_clock::duration took{};
};

// Runs `executable` with `args` and waits for it, for at most `limit` (then
// SIGKILL). It gets this process's environment without any CPE_* variable,
// plus `environment`; `input` on its standard input. The streams go to
// files, so a program that writes a lot never blocks on a pipe.
ProgramRun runProgram(const std::string& executable, const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& environment,
                      std::chrono::seconds limit, const std::string& input = "");

}  // namespace cpe::testing
