#include "scripted_a.h"

#include <memory>
#include <utility>

#include "cpe/sdk/mutex.h"

namespace cpe::test {

class ScriptedA::Caller final : public ProvisioningCaller {
 public:
  explicit Caller(ScriptedA& a) : a_(a) {}
  CallOutcome call(const Task& task, std::chrono::milliseconds timeout) override {
    return a_.call(this, task, timeout);
  }
  void abort() noexcept override { a_.abort(this); }

 private:
  ScriptedA& a_;
};

CallOutcome ScriptedA::answer(int code, std::string message) {
  CallOutcome outcome;
  outcome.kind = CallOutcome::Kind::kAnswered;
  outcome.code = code;
  outcome.message = std::move(message);
  return outcome;
}

CallOutcome ScriptedA::unreachable(std::string reason) {
  CallOutcome outcome;
  outcome.kind = CallOutcome::Kind::kRetryable;
  outcome.reason = std::move(reason);
  return outcome;
}

ScriptedA::ScriptedA() : script_([](const Call&) { return answer(200, "success"); }) {}

ProvisioningCallerFactory ScriptedA::factory() {
  return [this] { return std::make_unique<Caller>(*this); };
}

void ScriptedA::setScript(Script script) {
  MutexLock lock(mutex_);
  script_ = std::move(script);
}

void ScriptedA::closeGate() {
  MutexLock lock(mutex_);
  gateOpen_ = false;
}

void ScriptedA::openGate() {
  {
    MutexLock lock(mutex_);
    gateOpen_ = true;
  }
  gate_.notify_all();
}

CallOutcome ScriptedA::call(const ProvisioningCaller* caller, const Task& task,
                            std::chrono::milliseconds timeout) {
  MutexLock lock(mutex_);
  // Aborted for good, like ProvisioningClient: A is not reached.
  if (aborted_.count(caller) != 0) return unreachable("aborted");
  const Call call{task.id, timeout, static_cast<int>(log_.size()) + 1, task.parametersJson};
  log_.push_back(call);
  ++inProgress_;
  gate_.wait(lock.native(),
             [&]() CPE_REQUIRES(mutex_) { return gateOpen_ || aborted_.count(caller) != 0; });
  CallOutcome outcome;
  if (aborted_.count(caller) != 0) {
    ++cutShort_;
    outcome = unreachable("aborted");
  } else {
    const Script script = script_;
    lock.unlock();
    outcome = script(call);
    lock.lock();
  }
  --inProgress_;
  return outcome;
}

void ScriptedA::abort(const ProvisioningCaller* caller) {
  {
    MutexLock lock(mutex_);
    ++aborts_;
    aborted_.insert(caller);
  }
  gate_.notify_all();
}

int ScriptedA::calls() const {
  MutexLock lock(mutex_);
  return static_cast<int>(log_.size());
}

int ScriptedA::callsInProgress() const {
  MutexLock lock(mutex_);
  return inProgress_;
}

int ScriptedA::callsCutShort() const {
  MutexLock lock(mutex_);
  return cutShort_;
}

int ScriptedA::aborts() const {
  MutexLock lock(mutex_);
  return aborts_;
}

std::vector<ScriptedA::Call> ScriptedA::callLog() const {
  MutexLock lock(mutex_);
  return log_;
}

}  // namespace cpe::test
