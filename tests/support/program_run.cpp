#include "program_run.h"

#include <Poco/TemporaryFile.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

extern char** environ;

namespace cpe::testing {
namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// This process's environment without CPE_* (the program's own settings
// come from the test alone), then `extra`.
std::vector<std::string> childEnvironment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> entries;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text(*entry);
    if (text.rfind("CPE_", 0) == 0) continue;
    const std::string name = text.substr(0, text.find('='));
    if (extra.count(name) != 0) continue;
    entries.push_back(text);
  }
  for (const auto& [name, value] : extra) {
    std::string entry = name;
    entry.append("=").append(value);
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::vector<char*> pointersTo(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

ProgramRun runProgram(const std::string& executable, const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& environment,
                      std::chrono::seconds limit, const std::string& input) {
  const Poco::TemporaryFile in, out, err;
  std::ofstream(in.path(), std::ios::binary) << input;
  std::vector<std::string> argvStrings{executable};
  argvStrings.insert(argvStrings.end(), args.begin(), args.end());
  std::vector<std::string> envStrings = childEnvironment(environment);
  std::vector<char*> argv = pointersTo(argvStrings);
  std::vector<char*> envp = pointersTo(envStrings);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, in.path().c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.path().c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.path().c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const auto started = std::chrono::steady_clock::now();
  pid_t pid = -1;
  const int error =
      posix_spawn(&pid, executable.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) throw std::runtime_error("cannot start " + executable);

  ProgramRun run;
  int status = 0;
  const auto deadline = started + limit;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  run.took = std::chrono::steady_clock::now() - started;
  run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = readFile(out.path());
  run.err = readFile(err.path());
  return run;
}

}  // namespace cpe::testing
