#include "service_process.h"

#include <Poco/File.h>
#include <Poco/JSON/Parser.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace cpe::testing {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(20);

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

ServiceProcess::ServiceProcess(const std::string& executable, const std::vector<std::string>& args,
                               std::string readyFile, std::string logFile)
    : readyFile_(std::move(readyFile)), logFile_(std::move(logFile)) {
  Poco::File ready(readyFile_);
  if (ready.exists()) ready.remove();  // a stale file from an earlier run would lie
  std::vector<std::string> argvStrings{executable};
  argvStrings.insert(argvStrings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : argvStrings) argv.push_back(arg.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, logFile_.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  const int error = posix_spawn(&pid_, executable.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) throw std::runtime_error("cannot start " + executable);
}

ServiceProcess::~ServiceProcess() {
  if (pid_ > 0 && exitStatus_ < 0) stop(SIGTERM, std::chrono::seconds(10));
}

Poco::JSON::Object::Ptr ServiceProcess::waitReady(std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (Poco::File(readyFile_).exists()) {
      return Poco::JSON::Parser().parse(readFile(readyFile_)).extract<Poco::JSON::Object::Ptr>();
    }
    if (!running()) throw std::runtime_error("service exited before ready:\n" + log());
    std::this_thread::sleep_for(kPollInterval);
  }
  throw std::runtime_error("service not ready in time:\n" + log());
}

bool ServiceProcess::reap(bool block) {
  if (exitStatus_ >= 0) return true;
  int status = 0;
  const pid_t done = waitpid(pid_, &status, block ? 0 : WNOHANG);
  if (done != pid_) return false;
  exitStatus_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return true;
}

bool ServiceProcess::running() { return !reap(false); }

int ServiceProcess::stop(int signal, std::chrono::seconds limit) {
  if (reap(false)) return exitStatus_;
  kill(pid_, signal);
  return waitExit(limit);
}

int ServiceProcess::waitExit(std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (reap(false)) return exitStatus_;
    std::this_thread::sleep_for(kPollInterval);
  }
  kill(pid_, SIGKILL);
  reap(true);
  return exitStatus_;
}

std::string ServiceProcess::log() const { return readFile(logFile_); }

}  // namespace cpe::testing
