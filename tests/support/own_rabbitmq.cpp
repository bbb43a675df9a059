#include "own_rabbitmq.h"

#include <Poco/File.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace cpe::testing {
namespace {

bool portOpen(std::uint16_t port) {
  try {
    Poco::Net::StreamSocket socket;
    socket.connect(Poco::Net::SocketAddress("127.0.0.1", port), Poco::Timespan(1, 0));
    return true;
  } catch (const Poco::Exception&) {
    return false;
  }
}

int run(const std::string& command) { return std::system(command.c_str()); }

}  // namespace

OwnRabbitMq::OwnRabbitMq() {
  // Under /tmp, not the test folder: the node runs as the rabbitmq user,
  // which must own its files and reach them.
  char pattern[] = "/tmp/cpe-rabbitmq-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  node_ = "cpe-test-" + dir_.substr(dir_.rfind('-') + 1) + "@localhost";
  port_ = freeLoopbackPort();
  const std::uint16_t distributionPort = freeLoopbackPort();
  std::ofstream(dir_ + "/enabled_plugins") << "[rabbitmq_amqp1_0].\n";
  passwd entry{};
  passwd* rabbitmq = nullptr;
  std::array<char, 4096> strings{};  // the entry's names and paths
  if (::getpwnam_r("rabbitmq", &entry, strings.data(), strings.size(), &rabbitmq) == 0 &&
      rabbitmq != nullptr) {
    if (::chown(dir_.c_str(), rabbitmq->pw_uid, rabbitmq->pw_gid) != 0 ||
        ::chown((dir_ + "/enabled_plugins").c_str(), rabbitmq->pw_uid, rabbitmq->pw_gid) != 0) {
      throw std::runtime_error("cannot hand " + dir_ + " to the rabbitmq user");
    }
  }
  environment_ =
      "RABBITMQ_NODENAME='" + node_ + "' RABBITMQ_NODE_IP_ADDRESS=127.0.0.1" +
      " RABBITMQ_NODE_PORT=" + std::to_string(port_) +
      " RABBITMQ_DIST_PORT=" + std::to_string(distributionPort) + " RABBITMQ_MNESIA_BASE='" +
      dir_ + "/mnesia' RABBITMQ_LOG_BASE='" + dir_ + "/log' RABBITMQ_PID_FILE='" + dir_ +
      "/node.pid' RABBITMQ_ENABLED_PLUGINS_FILE='" + dir_ + "/enabled_plugins'";
  try {
    start();
  } catch (...) {
    removeNode();  // no destructor runs for a constructor that throws
    throw;
  }
}

void OwnRabbitMq::start() {
  if (run(environment_ + " rabbitmq-server -detached >/dev/null 2>&1") != 0) {
    throw std::runtime_error("rabbitmq-server -detached failed for " + node_);
  }
  // await_startup fails if called before the node has begun to boot.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (!portOpen(port_)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("RabbitMQ node " + node_ + " never opened port " +
                               std::to_string(port_) + "; logs in " + dir_ + "/log");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  control("await_startup --timeout 60");
}

void OwnRabbitMq::joinCluster(const OwnRabbitMq& first) {
  control("stop_app");
  control("join_cluster '" + first.nodeName() + "'");
  control("start_app");
}

void OwnRabbitMq::stop() {
  // Given the pid file, rabbitmqctl waits until the VM has exited.
  control("stop '" + dir_ + "/node.pid'");
  awaitPortClosed("stop");
}

void OwnRabbitMq::kill() {
  std::ifstream pidFile(dir_ + "/node.pid");
  long pid = 0;
  if (!(pidFile >> pid) || pid <= 0) throw std::runtime_error("no pid file for " + node_);
  if (::kill(static_cast<pid_t>(pid), SIGKILL) != 0) {
    throw std::runtime_error("cannot SIGKILL " + node_);
  }
  awaitPortClosed("SIGKILL");
}

void OwnRabbitMq::awaitPortClosed(const std::string& after) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (portOpen(port_)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error(node_ + " still serves after " + after);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

OwnRabbitMq::~OwnRabbitMq() { removeNode(); }

void OwnRabbitMq::removeNode() noexcept {
  // Given the pid file, rabbitmqctl waits for the VM to exit before the files go.
  if (run("rabbitmqctl -q -n '" + node_ + "' stop '" + dir_ + "/node.pid' >/dev/null 2>&1") != 0) {
    // Best effort: the node may be gone already; its files go anyway.
  }
  try {
    Poco::File(dir_).remove(true);
  } catch (const Poco::Exception&) {  // best effort, as above
  }
}

void OwnRabbitMq::control(const std::string& arguments) const {
  const std::string command = "rabbitmqctl -q -n '" + node_ + "' " + arguments + " >/dev/null 2>&1";
  if (run(command) != 0) throw std::runtime_error("failed: " + command);
}

std::string OwnRabbitMq::query(const std::string& arguments) const {
  const std::string command = "rabbitmqctl -q -n '" + node_ + "' " + arguments + " 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run: " + command);
  std::string output;
  char buffer[4096];
  while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  if (::pclose(pipe) != 0) throw std::runtime_error("failed: " + command);
  return output;
}

std::vector<std::string> OwnRabbitMq::brokerDefines(const Backends& backends) const {
  if (backends.broker == "proton") {
    return {"broker.proton.url=amqp://127.0.0.1:" + std::to_string(port_)};
  }
  return {"broker.rabbitmq.port=" + std::to_string(port_)};
}

}  // namespace cpe::testing
