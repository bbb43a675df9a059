#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "cpe/sdk/mutex.h"
#include "cpe/sdk/thread_annotations.h"
#include "worker/provisioning_caller.h"

namespace cpe::test {

using host::CallOutcome;
using host::ProvisioningCaller;
using host::ProvisioningCallerFactory;

// Plays service A for WorkerPool tests. The pool's factory makes one caller
// per worker thread; every caller asks the same script what A answers, so a
// test decides each answer and counts the calls.
//
// A closed gate holds calls inside A (as a slow A does) until the gate
// opens or the caller is aborted; like ProvisioningClient::abort(), an
// abort cuts short the call running now and refuses every later one.
//
// Thread rule: every method is thread-safe; the script runs on the worker
// thread that calls, outside the double's lock. It must outlive the pool.
class ScriptedA {
 public:
  struct Call {
    std::string taskId;
    std::chrono::milliseconds timeout{0};
    int number = 0;  // 1 for the first call made by any thread, and so on
    std::string parametersJson;  // what A would receive as `parameters`
  };
  using Script = std::function<CallOutcome(const Call&)>;

  static CallOutcome answer(int code, std::string message);
  static CallOutcome unreachable(std::string reason = "connection refused");

  ScriptedA();  // answers 200 "success" until told otherwise

  ProvisioningCallerFactory factory();
  void setScript(Script script);
  void closeGate();
  void openGate();

  int calls() const;
  int callsInProgress() const;  // inside call() now, at the gate or in the script
  int callsCutShort() const;    // calls an abort() ended
  int aborts() const;           // abort() calls, whether or not a call was running
  std::vector<Call> callLog() const;

 private:
  class Caller;

  CallOutcome call(const ProvisioningCaller* caller, const Task& task,
                   std::chrono::milliseconds timeout);
  void abort(const ProvisioningCaller* caller);

  mutable Mutex mutex_;
  std::condition_variable gate_;
  Script script_ CPE_GUARDED_BY(mutex_);
  bool gateOpen_ CPE_GUARDED_BY(mutex_) = true;
  std::set<const ProvisioningCaller*> aborted_ CPE_GUARDED_BY(mutex_);
  std::vector<Call> log_ CPE_GUARDED_BY(mutex_);
  int inProgress_ CPE_GUARDED_BY(mutex_) = 0;
  int cutShort_ CPE_GUARDED_BY(mutex_) = 0;
  int aborts_ CPE_GUARDED_BY(mutex_) = 0;
};

}  // namespace cpe::test
