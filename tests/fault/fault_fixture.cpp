#include "fault_fixture.h"

#include <Poco/File.h>

#include <cstdio>
#include <fstream>
#include <future>
#include <iostream>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include "password_leaks.h"

namespace cpe::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string readLog(const std::string& path) {
  if (!Poco::File(path).exists()) return "";
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// One POST; status 0 when the host does not answer at all.
int postOne(const TestClient& api, const std::string& device, std::string& taskId,
            bool& retryAfter) {
  try {
    const HttpResult result = api.post("/api/v1/equipment/cpe/" + device, validTaskBody());
    if (result.status == 200) taskId = result.json()->getValue<std::string>("taskId");
    retryAfter = result.headers.count("Retry-After") != 0;
    return result.status;
  } catch (const std::exception&) {
    return 0;
  }
}

// The standard output of `command`; nullopt if it could not run or failed.
std::optional<std::string> outputOf(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string output;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    output.append(buffer, n);
  }
  if (::pclose(pipe) != 0) return std::nullopt;
  return output;
}

// The RabbitMQ nodes on this machine: the shared one (rabbitmqctl's default,
// "") and those tests start of their own (OwnRabbitMq: cpe-test-…@localhost).
std::vector<std::string> localRabbitMqNodes() {
  std::vector<std::string> nodes{""};
  const auto names = outputOf("epmd -names 2>/dev/null");
  if (!names) return nodes;
  const std::regex own("name (cpe-test-[A-Za-z0-9]+) at port");
  for (std::sregex_iterator it(names->begin(), names->end(), own), end; it != end; ++it) {
    nodes.push_back((*it)[1].str() + "@localhost");
  }
  return nodes;
}

// The messages of the quorum queue `first`, then of `second`, ready or held
// by a consumer, from the queues' own state on whichever local node has them;
// nullopt if none does. (rabbitmqctl list_queues is no use here: for quorum
// queues it shows figures up to several seconds old.)
std::optional<long> messagesIn(const std::string& first, const std::string& second) {
  const std::string countFun =
      "Count = fun(Name) ->"
      " {ok, Q} = rabbit_amqqueue:lookup(rabbit_misc:r(<<\"/\">>, queue, Name)),"
      " {ok, {_, O}, _} = ra:local_query(amqqueue:get_pid(Q), fun rabbit_fifo:overview/1),"
      " maps:get(num_ready_messages, O) + maps:get(num_checked_out, O) end, ";
  // Erlang evaluates in order: `first` is counted before `second`.
  const std::string count = countFun + "First = Count(<<\"" + first + "\">>), " +
                            "Second = Count(<<\"" + second + "\">>), First + Second.";
  for (const auto& node : localRabbitMqNodes()) {
    std::string command = "rabbitmqctl -q ";
    if (!node.empty()) command.append("-n '").append(node).append("' ");
    command.append("eval '").append(count).append("' 2>/dev/null");
    if (const auto output = outputOf(command)) {
      try {
        return std::stol(*output);
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

// Waits until no message is left in `tasks` and then, in the same look, in
// `results`.
bool awaitDrained(const std::string& tasks, const std::string& results,
                  std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (messagesIn(tasks, results) != 0L) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(200ms);
  }
  return true;
}

}  // namespace

std::string validTaskBody() {
  return std::string(R"({"timeoutInSeconds":14,"parameters":{"username":"admin","password":")") +
         kSuiteDevicePassword + R"(","vlan":534,"interfaces":[1,2]}})";
}

std::string taskStatusPath(const PostedTask& task) {
  return "/api/v1/equipment/cpe/" + task.device + "/task/" + task.taskId;
}

PostOutcome postTasks(const TestClient& api, int count, int clients, int first,
                      std::chrono::milliseconds pause) {
  std::vector<std::future<PostOutcome>> running;
  for (int c = 0; c < clients; ++c) {
    running.push_back(std::async(std::launch::async, [&, c] {
      PostOutcome mine;
      for (int i = c; i < count; i += clients) {
        // The stub knows 1,000 devices; more tasks share them.
        const std::string device = "DEV" + std::to_string(100000 + (first + i) % 1000);
        std::string taskId;
        bool retryAfter = false;
        const int status = postOne(api, device, taskId, retryAfter);
        if (status == 200) {
          mine.accepted.push_back({device, taskId});
        } else {
          ++mine.refusedByStatus[status];
          if (status == 503 && !retryAfter) ++mine.refusedWithoutRetryAfter;
        }
        if (pause.count() > 0) std::this_thread::sleep_for(pause);
      }
      return mine;
    }));
  }
  PostOutcome all;
  for (auto& client : running) {
    PostOutcome mine = client.get();
    all.accepted.insert(all.accepted.end(), mine.accepted.begin(), mine.accepted.end());
    for (const auto& [status, n] : mine.refusedByStatus) all.refusedByStatus[status] += n;
    all.refusedWithoutRetryAfter += mine.refusedWithoutRetryAfter;
  }
  return all;
}

void FaultTest::TearDown() {
  store_.reset();
  stub_.reset();
  deleteQueues(queues_);
}

void FaultTest::useBackends(Backends backends) {
  backends_ = std::move(backends);
  // The AMQP 1.0 plugin cannot declare queues with arguments on RabbitMQ 3.10.
  if (backends_.broker == "proton") declareQueues(queues_);
}

std::vector<std::string> FaultTest::hostDefines(const std::vector<std::string>& extra) const {
  auto defines = backendDefines(backends_, queues_, dataDir_);
  for (const char* define : {"worker.threads=64", "worker.retryBudgetSeconds=3"}) {
    defines.push_back(define);
  }
  if (backends_.store == "postgres") {
    // A restarted host takes over a dead one's unpublished tasks after this.
    defines.push_back("store.postgres.claimLeaseMs=2000");
  }
  defines.insert(defines.end(), extra.begin(), extra.end());
  return defines;
}

std::unique_ptr<RunningHost> FaultTest::startHost(const std::string& name,
                                                  const std::vector<std::string>& extra) {
  return startHost(name, stub_->httpsPort(), extra);
}

std::unique_ptr<RunningHost> FaultTest::startHost(const std::string& name, std::uint16_t stubPort,
                                                  const std::vector<std::string>& extra) {
  const std::string dir = dataDir_ + "/" + name;
  if (!Poco::File(dir).exists()) {
    Poco::File(dir).createDirectories();
    hostDirs_.push_back(dir);
  }
  return std::make_unique<RunningHost>(dir, stubPort, hostDefines(extra));
}

std::unique_ptr<RunningStub> FaultTest::startStub(double delaySeconds,
                                                  const std::vector<std::string>& extra) {
  return std::make_unique<RunningStub>(delaySeconds, extra);
}

std::vector<std::string> FaultTest::hostLogs() const {
  std::vector<std::string> logs;
  for (const auto& dir : hostDirs_) logs.push_back(readLog(dir + "/host.log"));
  return logs;
}

std::map<std::string, int> FaultTest::countTaskLines(const std::vector<std::string>& logs,
                                                     const std::string& pattern) {
  const std::regex compiled(pattern);
  std::map<std::string, int> counts;
  for (const auto& log : logs) {
    for (std::sregex_iterator it(log.begin(), log.end(), compiled), end; it != end; ++it) {
      ++counts[(*it)[1]];
    }
  }
  return counts;
}

int FaultTest::countTerminal(const std::vector<PostedTask>& tasks) {
  if (!store_) store_ = openStore(backends_, queues_, dataDir_);
  int terminal = 0;
  for (const auto& task : tasks) {
    const auto stored = store_->get(task.taskId);
    if (stored.isOk() && isTerminal(stored.value().status)) ++terminal;
  }
  return terminal;
}

bool FaultTest::awaitTerminalInStore(const std::vector<PostedTask>& tasks,
                                     std::chrono::seconds limit) {
  if (!store_) store_ = openStore(backends_, queues_, dataDir_);
  const auto deadline = Clock::now() + limit;
  std::size_t next = 0;  // tasks before it are terminal already
  while (next < tasks.size()) {
    const auto task = store_->get(tasks[next].taskId);
    if (task.isOk() && isTerminal(task.value().status)) {
      ++next;
      continue;
    }
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

Accounting FaultTest::account(const std::string& scenario, const std::vector<PostedTask>& tasks,
                              const TestClient& api, int expectedHttpStatus,
                              std::chrono::seconds limit) {
  const bool allTerminal = awaitTerminalInStore(tasks, limit);
  EXPECT_TRUE(allTerminal) << "tasks still queued after " << limit.count() << " s";
  // A worker lets go of a task only once the broker has its result, and a
  // result leaves its queue only once the store has it and the "result
  // applied" line is written: with no task left queued or held, and then no
  // result, every duplicate there was has shown in the logs.
  if (allTerminal) {
    EXPECT_TRUE(awaitDrained(queues_.tasks, queues_.results, 60s))
        << "messages stayed in " << queues_.tasks << " or " << queues_.results;
  }
  const auto applied =
      countTaskLines(hostLogs(), "task ([0-9a-f-]{36}): result applied \\((\\w+)\\)");

  Accounting result;
  result.posted = static_cast<int>(tasks.size());
  for (const auto& task : tasks) {
    const auto stored = store_->get(task.taskId);
    int status = 0;
    try {
      status = api.get(taskStatusPath(task)).status;
    } catch (const std::exception&) {
    }
    ++result.apiStatus[status];
    const bool terminal =
        stored.isOk() && isTerminal(stored.value().status) && status != 202 && status != 0;
    const auto lines = applied.find(task.taskId);
    const int count = lines == applied.end() ? 0 : lines->second;
    if (terminal) ++result.terminal;
    // No "result applied" line for a terminal task is no loss: a host killed
    // between its store commit and its log line leaves exactly that.
    if (!terminal) ++result.lost;
    if (count > 1) ++result.duplicated;
    if (terminal && status != expectedHttpStatus) ++result.wrongOutcome;
  }
  std::cout << "FAULT-TABLE|" << scenario << "|" << backends_.name() << "|posted=" << result.posted
            << "|terminal=" << result.terminal << "|lost=" << result.lost
            << "|duplicated=" << result.duplicated << std::endl;
  EXPECT_EQ(result.lost, 0);
  EXPECT_EQ(result.duplicated, 0);
  EXPECT_EQ(result.terminal, result.posted);
  EXPECT_EQ(result.wrongOutcome, 0) << "expected HTTP " << expectedHttpStatus << " for every task";
  for (const auto& [status, n] : result.apiStatus) {
    std::cout << "  task endpoint answered HTTP " << status << " for " << n << " task(s)\n";
  }
  return result;
}

}  // namespace cpe::testing
