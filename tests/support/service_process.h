#pragma once

#include <Poco/JSON/Object.h>
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace cpe::testing {

// A real service process (cpe-stub-a, cpe-host) started for a test. Its
// stdout and stderr go to `logFile`; it reports its bound ports through a
// ready file (the services' `*.readyFile` setting), which waitReady() reads.
// The destructor stops it (SIGTERM, then SIGKILL) if the test has not.
class ServiceProcess {
 public:
  ServiceProcess(const std::string& executable, const std::vector<std::string>& args,
                 std::string readyFile, std::string logFile);
  ~ServiceProcess();
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  // Waits until the ready file exists and returns its JSON; throws if the
  // process exits first or `limit` passes.
  Poco::JSON::Object::Ptr waitReady(std::chrono::seconds limit = std::chrono::seconds(30));

  // Sends `signal` and waits for the exit; returns the exit status, or
  // 128 + signal number when killed by a signal.
  int stop(int signal, std::chrono::seconds limit = std::chrono::seconds(30));

  // Waits for the process to exit by itself; SIGKILL after `limit`.
  int waitExit(std::chrono::seconds limit);

  bool running();
  pid_t pid() const { return pid_; }
  std::string log() const;

 private:
  bool reap(bool block);

  pid_t pid_ = -1;
  std::string readyFile_;
  std::string logFile_;
  int exitStatus_ = -1;
};

}  // namespace cpe::testing
