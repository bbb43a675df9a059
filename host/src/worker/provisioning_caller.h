#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "cpe/sdk/task.h"

namespace cpe::host {

// What one call to A came to.
struct CallOutcome {
  enum class Kind {
    kAnswered,   // A gave a final answer: code and message are A's
    kRetryable,  // no answer worth keeping: connection failure, timeout, 502/503/504
  };
  Kind kind = Kind::kRetryable;
  int code = 0;
  std::string message;
  std::string reason;  // for the log, when retryable
};

// One worker thread's line to service A: the seam between WorkerPool's
// retry, breaker and settlement rules and the HTTPS client that carries the
// calls (ProvisioningClient), so the rules can be tested without a network.
//
// Thread rule: call() only from the one worker thread that owns the caller;
// abort() from any thread at any time (shutdown), including while no call
// is running. abort() is for good: it cuts short the call running now, and
// every later call() returns kRetryable at once without reaching A, so a
// thread that was about to call when the pool stopped never does.
class ProvisioningCaller {
 public:
  virtual ~ProvisioningCaller() = default;

  // Asks A to provision `task`; `timeout` bounds each network wait of this
  // call. Failing to reach A, or an answer that is not A's, is a kRetryable
  // outcome, not an exception.
  virtual CallOutcome call(const Task& task, std::chrono::milliseconds timeout) = 0;
  virtual void abort() noexcept = 0;
};

// Makes one caller per worker thread; called on the thread that starts the
// pool, before the worker threads exist.
using ProvisioningCallerFactory = std::function<std::unique_ptr<ProvisioningCaller>()>;

}  // namespace cpe::host
