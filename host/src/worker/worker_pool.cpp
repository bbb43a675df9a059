#include "worker/worker_pool.h"

#include <variant>

#include "cpe/json_answer.h"
#include "cpe/log_fields.h"
#include "cpe/log_text.h"
#include "cpe/messages.h"
#include "cpe/provisioning_request.h"
#include "cpe/sdk/mutex.h"
#include "cpe/task_service.h"
#include "host_metrics.h"
#include "worker/provisioning_client.h"

namespace cpe::host {
namespace {

using Clock = std::chrono::steady_clock;

TaskResult resultOf(const Task& task, int code, std::string message, int attempts) {
  TaskResult result;
  result.taskId = task.id;
  result.equipmentId = task.equipmentId;
  result.status = terminalStatusForCode(code);
  result.code = code;
  result.message = std::move(message);
  result.attempts = attempts;
  result.finishedAt = nowMillis();
  return result;
}

prometheus::Family<prometheus::Counter>& callsFamily(prometheus::Registry& metrics) {
  return prometheus::BuildCounter()
      .Name("cpe_worker_calls_total")
      .Help("Calls to A, by outcome: answered (any status) or failed.")
      .Register(metrics);
}

prometheus::Family<prometheus::Histogram>& callDurationFamily(prometheus::Registry& metrics) {
  return prometheus::BuildHistogram()
      .Name("cpe_a_call_duration_seconds")
      .Help(
          "Time from sending a call to A to its answer or failure, by outcome as in "
          "cpe_worker_calls_total.")
      .Register(metrics);
}

// A answers after about 60 s; a call gives up after worker.callTimeoutSeconds
// (120 by default). Fine steps around a minute, coarse ones for failures
// that come at once (refused connections) and for slow answers.
const prometheus::Histogram::BucketBoundaries& callBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets{0.1, 0.5, 1,  2.5, 5,  10, 20,  30,
                                                               45,  55,  60, 65,  75, 90, 120, 180};
  return buckets;
}

}  // namespace

WorkerPool::WorkerPool(Broker& broker, const WorkerOptions& options, prometheus::Registry& metrics,
                       TaskStore* store, ProvisioningCallerFactory newCaller,
                       const CredentialSealer* sealer)
    : broker_(broker),
      store_(store),
      sealer_(sealer),
      callsAnswered_(callsFamily(metrics).Add({{"outcome", "answered"}})),
      callsFailed_(callsFamily(metrics).Add({{"outcome", "failed"}})),
      callDurationAnswered_(
          callDurationFamily(metrics).Add({{"outcome", "answered"}}, callBuckets())),
      callDurationFailed_(callDurationFamily(metrics).Add({{"outcome", "failed"}}, callBuckets())),
      finished_(prometheus::BuildCounter()
                    .Name("cpe_worker_tasks_finished_total")
                    .Help("Tasks a worker finished (result published), by terminal status.")
                    .Register(metrics)),
      deadLettered_(deadLetteredCounter(metrics, "tasks")),
      abandoned_(prometheus::BuildCounter()
                     .Name("cpe_worker_deliveries_abandoned_total")
                     .Help("Task deliveries dropped before calling A because their broker "
                           "connection was lost (the broker delivers them again).")
                     .Register(metrics)
                     .Add({})),
      options_(options),
      log_(Poco::Logger::get("worker")),
      retry_(options.retry),
      breaker_(options.breaker),
      newCaller_(std::move(newCaller)) {}

WorkerPool::~WorkerPool() { stop(); }

Status WorkerPool::start() {
  Status consuming =
      broker_.consume(QueueRole::kTasks, options_.threads,
                      [this](Delivery delivery) { queue_.push(std::move(delivery)); });
  if (!consuming.isOk()) return consuming;
  if (!newCaller_) {
    // One TLS context for every thread's client: it holds the loaded CA.
    newCaller_ = [this, tls = makeClientContext(options_)] {
      return std::make_unique<ProvisioningClient>(options_, tls, deadlines_);
    };
  }
  const auto oneTask = retry_.options().budget + options_.callTimeout;
  if (oneTask > options_.maxHold) {
    log_.warning("worker.retryBudgetSeconds + worker.callTimeoutSeconds (%Ld s) exceed "
                 "worker.maxHoldSeconds (%Ld s): tasks will give up at the hold bound first",
                 static_cast<Poco::Int64>(
                     std::chrono::duration_cast<std::chrono::seconds>(oneTask).count()),
                 static_cast<Poco::Int64>(options_.maxHold.count()));
  }
  for (int i = 0; i < options_.threads; ++i) callers_.push_back(newCaller_());
  for (auto& caller : callers_) threads_.emplace_back([this, &caller] { run(*caller); });
  return Status::ok();
}

void WorkerPool::stop(std::chrono::milliseconds grace) {
  if (stopped_) return;
  stopped_ = true;
  // Tasks not yet begun go straight back; the broker may still push a few
  // more, which stay unsettled and return to the queue when it stops.
  for (const Delivery& left : queue_.close()) {
    broker_.settle(QueueRole::kTasks, left.tag, Settlement::kRequeue);
  }
  {
    MutexLock lock(inFlightMutex_);
    if (!allSettled_.wait_for(lock.native(), grace,
                              [&]() CPE_REQUIRES(inFlightMutex_) { return inFlight_ == 0; })) {
      log_.warning("%d task(s) still in flight after the %Ld ms grace period: handing them back",
                   inFlight_, static_cast<Poco::Int64>(grace.count()));
    }
  }
  stop_.raise();
  for (auto& caller : callers_) caller->abort();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  // Delivered during the grace period and never started.
  for (const Delivery& late : queue_.close()) {
    broker_.settle(QueueRole::kTasks, late.tag, Settlement::kRequeue);
  }
}

void WorkerPool::run(ProvisioningCaller& caller) {
  while (auto delivery = queue_.pop()) {
    taskTaken();
    if (stop_.raised()) {
      broker_.settle(QueueRole::kTasks, delivery->tag, Settlement::kRequeue);
      taskSettled();
      continue;
    }
    process(caller, *delivery);
  }
}

int WorkerPool::tasksInFlight() {
  MutexLock lock(inFlightMutex_);
  return inFlight_;
}

void WorkerPool::taskTaken() {
  MutexLock lock(inFlightMutex_);
  ++inFlight_;
}

void WorkerPool::taskSettled() {
  {
    MutexLock lock(inFlightMutex_);
    --inFlight_;
  }
  allSettled_.notify_all();
}

void WorkerPool::process(ProvisioningCaller& caller, const Delivery& delivery) {
  const std::uint64_t tag = delivery.tag;
  auto settle = [this, tag](Settlement how) {
    broker_.settle(QueueRole::kTasks, tag, how);
    taskSettled();
  };
  const auto task = decodeTaskMessage(delivery.body);
  if (!task.isOk()) {
    log_.error("dead-lettering task message %s: %s", sanitizeForLog(delivery.messageId),
               task.status().message());
    deadLettered_.Increment();
    settle(Settlement::kDeadLetter);
    return;
  }
  if (alreadyTerminal(task.value())) {
    withTask(log_, task.value())
        .information("task %s already terminal; acknowledged without calling A again",
                     task.value().id);
    settle(Settlement::kAck);
    return;
  }
  const std::optional<Task> clear = opened(task.value());
  const std::optional<TaskResult> done =
      clear ? callWithRetries(caller, *clear, delivery)
            : resultOf(task.value(), 500, std::string(answers::kProvisioningFailed), 0);
  if (!done) {
    // The broker has this message back and may be handing it to another
    // worker already: this copy must not call A as well.
    withTask(log_, task.value())
        .warning(
            "task %s: its delivery went with a lost broker connection; left to the copy "
            "the broker delivers again",
            task.value().id);
    abandoned_.Increment();
    taskSettled();
    return;
  }
  const TaskResult& result = *done;
  if (stop_.raised()) {
    // Cut short by shutdown: the task is not done; another worker takes it.
    settle(Settlement::kRequeue);
    return;
  }
  withTask(log_, task.value())
      .information("task %s for %s: %s %d after %d call(s)", task.value().id,
                   task.value().equipmentId, std::string(taskStatusName(result.status)),
                   result.code, result.attempts);
  finished_.Add({{"status", std::string(taskStatusName(result.status))}}).Increment();
  broker_.publish(QueueRole::kResults, result.taskId, encodeResultMessage(result),
                  [settle](const Status& confirmed) {
                    // Ack the task only once its result is safe; otherwise
                    // the task comes back and A is asked again.
                    settle(confirmed.isOk() ? Settlement::kAck : Settlement::kRequeue);
                  });
}

bool WorkerPool::alreadyTerminal(const Task& task) {
  if (store_ == nullptr) return false;
  // If the store cannot answer, doing the task again is the safe side.
  const auto stored = store_->get(task.id);
  return stored.isOk() && isTerminal(stored.value().status);
}

std::optional<Task> WorkerPool::opened(const Task& task) const {
  if (!CredentialSealer::looksSealed(task.parametersJson)) return task;  // version 1
  auto fail = [&](const std::string& why) {
    withTask(log_, task).error("task %s: failed without calling A: %s", task.id, why);
    return std::nullopt;
  };
  if (sealer_ == nullptr) {
    return fail("its parameters are sealed and this host has no security.credentialsKeyFile");
  }
  auto plaintext = sealer_->open(task.parametersJson, task.id, task.equipmentId);
  if (!plaintext.isOk()) return fail(plaintext.status().message());
  // Sealed, they could not be checked on the way in; the API's rules now.
  const auto checked = ProvisioningRequest::parse(
      provisioningBody(task.timeoutInSeconds, plaintext.value()));
  if (const auto* error = std::get_if<RequestError>(&checked)) {
    return fail("its opened parameters break the API's rules: " + error->message);
  }
  Task clear = task;
  clear.parametersJson = std::get<ProvisioningRequest>(checked).parametersJson();
  return clear;
}

std::string WorkerPool::heldTooLong(const std::string& lastFailure) const {
  return "held for worker.maxHoldSeconds (" + std::to_string(options_.maxHold.count()) +
         " s) without an answer from A; last failure: " + lastFailure;
}

std::optional<TaskResult> WorkerPool::callWithRetries(ProvisioningCaller& caller,
                                                      const Task& task,
                                                      const Delivery& delivery) {
  // The broker counts the hold from the delivery, not from now.
  const Clock::time_point received =
      delivery.receivedAt == Clock::time_point{} ? Clock::now() : delivery.receivedAt;
  const auto holdEnds = received + options_.maxHold;
  const auto firstCall = Clock::now();
  int calls = 0;
  std::string lastFailure = "A unavailable (circuit breaker open)";
  auto giveUp = [&](const std::string& why) {
    if (!stop_.raised()) {
      withTask(log_, task).warning("task %s: giving up after %d call(s): %s", task.id, calls, why);
    }
    return resultOf(task, 500, std::string(answers::kProvisioningFailed), calls);
  };
  // Which bound stops a wait: the hold (RabbitMQ's clock) or the budget.
  auto whyNotWait = [&](std::chrono::milliseconds wait) {
    if (Clock::now() + wait >= holdEnds) return heldTooLong(lastFailure);
    return "retry budget (" + std::to_string(retry_.options().budget.count() / 1000) +
           " s) spent; last failure: " + lastFailure;
  };
  while (true) {
    // stop() aborts only the calls under way: one begun after it would hold
    // the thread, and the shutdown, until A answered.
    if (stop_.raised()) return giveUp("stopping");
    const CircuitBreaker::Permit permit = breaker_.tryAcquire();
    if (!permit.allowed) {
      if (!mayWait(firstCall, holdEnds, permit.retryIn)) return giveUp(whyNotWait(permit.retryIn));
      continue;
    }
    const auto holdLeft =
        std::chrono::duration_cast<std::chrono::milliseconds>(holdEnds - Clock::now());
    if (holdLeft < std::chrono::seconds(1)) return giveUp(heldTooLong(lastFailure));
    if (!broker_.isHeld(QueueRole::kTasks, delivery.tag)) return std::nullopt;
    ++calls;
    const auto sent = Clock::now();
    const CallOutcome outcome =
        caller.call(task, std::min<std::chrono::milliseconds>(options_.callTimeout, holdLeft));
    noteCallOutcome(outcome.kind == CallOutcome::Kind::kAnswered, outcome.reason,
                    Clock::now() - sent);
    if (outcome.kind == CallOutcome::Kind::kAnswered) {
      return resultOf(task, outcome.code, outcome.message, calls);
    }
    lastFailure = outcome.reason;
    const auto backoff = retry_.backoff(calls);
    withTask(log_, task)
        .information("task %s: call %d failed (%s); retrying in %Ld ms", task.id, calls,
                     outcome.reason, static_cast<Poco::Int64>(backoff.count()));
    if (!mayWait(firstCall, holdEnds, backoff)) return giveUp(whyNotWait(backoff));
  }
}

bool WorkerPool::mayWait(Clock::time_point firstCall, Clock::time_point holdEnds,
                         std::chrono::milliseconds wait) {
  const auto now = Clock::now();
  const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(now - firstCall);
  if (stop_.raised() || !retry_.fitsBudget(spent, wait) || now + wait >= holdEnds) return false;
  return stop_.sleepFor(wait);
}

void WorkerPool::noteCallOutcome(bool answered, const std::string& reason,
                                 std::chrono::duration<double> took) {
  (answered ? callsAnswered_ : callsFailed_).Increment();
  (answered ? callDurationAnswered_ : callDurationFailed_).Observe(took.count());
  if (answered) {
    if (breaker_.onSuccess()) log_.information("A answers again: calls resume");
    return;
  }
  if (breaker_.onFailure()) {
    log_.warning("A unreachable (%s): circuit breaker open; workers wait %Ld ms between probes",
                 reason, static_cast<Poco::Int64>(options_.breaker.openFor.count()));
  }
}

}  // namespace cpe::host
