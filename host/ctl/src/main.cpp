// cpe-ctl: the command-line client of service B (README, "cpe-ctl").
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "ctl_program.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  cpe::ctl::Console console{std::cout, std::cerr, std::cin, ::isatty(STDERR_FILENO) == 1};
  const cpe::ctl::ExitCode code = cpe::ctl::runCtl(args, cpe::ctl::processEnvironment(), console);
  std::cout.flush();
  return std::cout.good() ? cpe::ctl::toInt(code) : cpe::ctl::toInt(cpe::ctl::ExitCode::kInternal);
}
