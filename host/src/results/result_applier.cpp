#include "results/result_applier.h"

#include <algorithm>

#include "cpe/json_answer.h"
#include "cpe/log_fields.h"
#include "cpe/log_text.h"
#include "cpe/messages.h"
#include "host_metrics.h"

namespace cpe::host {
namespace {

// Backoff while the store is unavailable; no budget: the result must land.
RetryOptions storeRetryOptions() {
  RetryOptions options;
  options.initialBackoff = std::chrono::milliseconds(100);
  options.maxBackoff = std::chrono::milliseconds(5000);
  options.budget = std::chrono::milliseconds::max();
  return options;
}

// What a task gets when the store refuses its real result for good: failed,
// with A's generic failure answer, as a call that went wrong would leave it.
TaskResult failedInPlaceOf(const TaskResult& refused) {
  TaskResult failed = refused;
  failed.status = TaskStatus::kFailed;
  failed.code = 500;
  failed.message = std::string(answers::kProvisioningFailed);
  return failed;
}

// Tasks take A's minute at least; a task ends no later than
// worker.maxHoldSeconds (1,500 by default) after its delivery, plus the
// outbox and a lost message's republishing. Sub-second steps for the stub.
const prometheus::Histogram::BucketBoundaries& acceptToTerminalBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets{
      0.5, 1, 2.5, 5, 10, 30, 60, 65, 75, 90, 120, 180, 300, 600, 900, 1200, 1800, 3600};
  return buckets;
}

}  // namespace

ResultApplier::ResultApplier(Broker& broker, TaskService& service, const ResultsOptions& options,
                             prometheus::Registry& metrics, AppliedListener onApplied)
    : broker_(broker),
      service_(service),
      options_(options),
      log_(Poco::Logger::get("results")),
      applied_(prometheus::BuildCounter()
                   .Name("cpe_results_applied_total")
                   .Help("Results applied to their task, by terminal status.")
                   .Register(metrics)),
      duplicates_(prometheus::BuildCounter()
                      .Name("cpe_results_duplicate_total")
                      .Help("Results ignored because their task was already terminal.")
                      .Register(metrics)
                      .Add({})),
      deadLettered_(deadLetteredCounter(metrics, "results")),
      onApplied_(std::move(onApplied)),
      retry_(storeRetryOptions()) {
  auto& durations = prometheus::BuildHistogram()
                        .Name("cpe_task_accept_to_terminal_seconds")
                        .Help(
                            "Time from a task's POST to its terminal state, by that state, "
                            "for tasks this host's results role made terminal.")
                        .Register(metrics);
  for (TaskStatus status :
       {TaskStatus::kCompleted, TaskStatus::kEquipmentNotFound, TaskStatus::kFailed}) {
    acceptToTerminal_[status] =
        &durations.Add({{"status", taskStatusName(status)}}, acceptToTerminalBuckets());
  }
}

ResultApplier::~ResultApplier() { stop(); }

Status ResultApplier::start() {
  Status consuming =
      broker_.consume(QueueRole::kResults, options_.prefetch,
                      [this](Delivery delivery) { queue_.push(std::move(delivery)); });
  if (!consuming.isOk()) return consuming;
  for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { run(); });
  return Status::ok();
}

void ResultApplier::stop() {
  if (stop_.raised()) return;
  stop_.raise();
  for (const Delivery& left : queue_.close()) {
    broker_.settle(QueueRole::kResults, left.tag, Settlement::kRequeue);
  }
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  for (const Delivery& late : queue_.close()) {  // arrived while the last ones were applied
    broker_.settle(QueueRole::kResults, late.tag, Settlement::kRequeue);
  }
}

void ResultApplier::run() {
  while (auto delivery = queue_.pop()) apply(*delivery);
}

void ResultApplier::apply(const Delivery& delivery) {
  const auto result = decodeResultMessage(delivery.body);
  if (!result.isOk()) {
    log_.error("dead-lettering result message %s: %s", sanitizeForLog(delivery.messageId),
               result.status().message());
    deadLettered_.Increment();
    broker_.settle(QueueRole::kResults, delivery.tag, Settlement::kDeadLetter);
    return;
  }
  TaskResult toApply = result.value();
  bool substituted = false;
  for (int attempt = 1;; ++attempt) {
    const auto applied = service_.applyResult(toApply);
    if (applied.isOk() && applied.value() && onApplied_) onApplied_(toApply.taskId);
    if (applied.isOk()) {
      if (substituted) {
        // The result the store refused stays for inspection.
        deadLettered_.Increment();
        broker_.settle(QueueRole::kResults, delivery.tag, Settlement::kDeadLetter);
        if (applied.value()) {
          withTask(log_, toApply)
              .information("task %s: result applied (failed, in place of the refused one)",
                           toApply.taskId);
          observeAcceptToTerminal(toApply);
        }
        return;
      }
      if (applied.value()) {
        const std::string status(taskStatusName(toApply.status));
        withTask(log_, toApply).information("task %s: result applied (%s)", toApply.taskId, status);
        applied_.Add({{"status", status}}).Increment();
      } else {
        duplicates_.Increment();
        withTask(log_, toApply)
            .information("task %s already terminal; duplicate result ignored", toApply.taskId);
      }
      broker_.settle(QueueRole::kResults, delivery.tag, Settlement::kAck);
      // After the ack: the store read it takes must not hold the result back.
      if (applied.value()) observeAcceptToTerminal(toApply);
      return;
    }
    if (!applied.status().isRetryable()) {
      if (!substituted && applied.status().code() != StatusCode::kNotFound) {
        // A task must not stay queued for ever because its result cannot be
        // stored: it fails, the way a call that went wrong fails it.
        withTask(log_, toApply)
            .error("task %s: the store refused its result (%s); failing the task instead",
                   sanitizeForLog(toApply.taskId), applied.status().toString());
        toApply = failedInPlaceOf(toApply);
        substituted = true;
        continue;
      }
      withTask(log_, toApply)
          .error("dead-lettering result for task %s: %s", sanitizeForLog(toApply.taskId),
                 applied.status().toString());
      deadLettered_.Increment();
      broker_.settle(QueueRole::kResults, delivery.tag, Settlement::kDeadLetter);
      return;
    }
    withTask(log_, toApply)
        .warning("task %s: store unavailable (%s); retrying", toApply.taskId,
                 applied.status().message());
    if (!stop_.sleepFor(retry_.backoff(attempt))) {
      broker_.settle(QueueRole::kResults, delivery.tag, Settlement::kRequeue);
      return;
    }
  }
}

void ResultApplier::observeAcceptToTerminal(const TaskResult& applied) {
  const auto histogram = acceptToTerminal_.find(applied.status);
  if (histogram == acceptToTerminal_.end()) return;
  const auto task = service_.find(applied.equipmentId, applied.taskId);
  if (!task.isOk()) return;
  // createdAt is the API host's clock, now this host's: a skew between them
  // must not make a negative duration.
  const EpochMillis took = std::max<EpochMillis>(0, nowMillis() - task.value().createdAt);
  histogram->second->Observe(static_cast<double>(took) / 1000.0);
}

}  // namespace cpe::host
