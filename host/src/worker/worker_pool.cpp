#include "worker/worker_pool.h"

#include "cpe/json_answer.h"
#include "cpe/log_text.h"
#include "cpe/messages.h"
#include "cpe/task_service.h"

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

}  // namespace

WorkerPool::WorkerPool(Broker& broker, const WorkerOptions& options, TaskStore* store)
    : broker_(broker),
      store_(store),
      options_(options),
      log_(Poco::Logger::get("worker")),
      retry_(options.retry) {}

WorkerPool::~WorkerPool() { stop(); }

Status WorkerPool::start() {
  Status consuming =
      broker_.consume(QueueRole::kTasks, options_.threads,
                      [this](Delivery delivery) { queue_.push(std::move(delivery)); });
  if (!consuming.isOk()) return consuming;
  const Poco::Net::Context::Ptr tls = makeClientContext(options_);
  for (int i = 0; i < options_.threads; ++i) {
    clients_.push_back(std::make_unique<ProvisioningClient>(options_, tls));
  }
  for (auto& client : clients_) threads_.emplace_back([this, &client] { run(*client); });
  return Status::ok();
}

void WorkerPool::stop() {
  if (stop_.raised()) return;
  stop_.raise();
  for (auto& client : clients_) client->abort();
  for (const Delivery& left : queue_.close()) {
    broker_.settle(QueueRole::kTasks, left.tag, Settlement::kRequeue);
  }
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

void WorkerPool::run(ProvisioningClient& client) {
  while (auto delivery = queue_.pop()) {
    if (stop_.raised()) {
      broker_.settle(QueueRole::kTasks, delivery->tag, Settlement::kRequeue);
      continue;
    }
    process(client, *delivery);
  }
}

void WorkerPool::process(ProvisioningClient& client, const Delivery& delivery) {
  const auto task = decodeTaskMessage(delivery.body);
  if (!task.isOk()) {
    log_.error("dead-lettering task message %s: %s", sanitizeForLog(delivery.messageId),
               task.status().message());
    broker_.settle(QueueRole::kTasks, delivery.tag, Settlement::kDeadLetter);
    return;
  }
  if (alreadyTerminal(task.value())) {
    log_.information("task %s already terminal; acknowledged without calling A again",
                     task.value().id);
    broker_.settle(QueueRole::kTasks, delivery.tag, Settlement::kAck);
    return;
  }
  const TaskResult result = callWithRetries(client, task.value());
  if (stop_.raised()) {
    // Cut short by shutdown: the task is not done; another worker takes it.
    broker_.settle(QueueRole::kTasks, delivery.tag, Settlement::kRequeue);
    return;
  }
  log_.information("task %s for %s: %s %d after %d call(s)", task.value().id,
                   task.value().equipmentId, std::string(taskStatusName(result.status)),
                   result.code, result.attempts);
  const std::uint64_t tag = delivery.tag;
  broker_.publish(QueueRole::kResults, result.taskId, encodeResultMessage(result),
                  [this, tag](const Status& confirmed) {
                    // Ack the task only once its result is safe; otherwise
                    // the task comes back and A is asked again.
                    broker_.settle(QueueRole::kTasks, tag,
                                   confirmed.isOk() ? Settlement::kAck : Settlement::kRequeue);
                  });
}

bool WorkerPool::alreadyTerminal(const Task& task) {
  if (store_ == nullptr) return false;
  // If the store cannot answer, doing the task again is the safe side.
  const auto stored = store_->get(task.id);
  return stored.isOk() && isTerminal(stored.value().status);
}

TaskResult WorkerPool::callWithRetries(ProvisioningClient& client, const Task& task) {
  const auto started = Clock::now();
  for (int attempt = 1;; ++attempt) {
    const CallOutcome outcome = client.call(task);
    if (outcome.kind == CallOutcome::Kind::kAnswered) {
      return resultOf(task, outcome.code, outcome.message, attempt);
    }
    const auto backoff = retry_.backoff(attempt);
    const auto spent =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
    if (stop_.raised() || !retry_.fitsBudget(spent, backoff)) {
      log_.warning("task %s: giving up after %d call(s): %s", task.id, attempt, outcome.reason);
      return resultOf(task, 500, std::string(messages::kProvisioningFailed), attempt);
    }
    log_.information("task %s: call %d failed (%s); retrying in %Ld ms", task.id, attempt,
                     outcome.reason, static_cast<Poco::Int64>(backoff.count()));
    if (!stop_.sleepFor(backoff)) {
      return resultOf(task, 500, std::string(messages::kProvisioningFailed), attempt);
    }
  }
}

}  // namespace cpe::host
