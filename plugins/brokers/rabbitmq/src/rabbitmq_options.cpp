#include "rabbitmq_options.h"

#include <charconv>
#include <iterator>
#include <string_view>

namespace cpe::brokers::rabbitmq {

const plugin::ConfigKey kConfigKeys[] = {
    {"host", "127.0.0.1", "The RabbitMQ server's host name or address."},
    {"port", "5672", "The AMQP 0-9-1 port (plain TCP)."},
    {"vhost", "/", "The virtual host that holds the queues."},
    {"username", "guest", "The user to log in as (PLAIN mechanism)."},
    {"password", "guest", "That user's password; never logged."},
    {"tasksQueue", "cpe.tasks", "The durable queue of provisioning tasks (B to the workers)."},
    {"resultsQueue", "cpe.results", "The durable queue of task results (workers to B)."},
    {"deadLetterQueue", "cpe.dead",
     "The durable queue that receives messages rejected as unprocessable from the other two."},
    {"queueType", "quorum",
     "x-queue-type of all three queues: quorum (replicated, faster here) or classic. An existing "
     "queue of the other type makes the declaration fail."},
    {"heartbeatSeconds", "30",
     "AMQP heartbeat interval; the connection counts as lost after two silent intervals. 0 "
     "disables heartbeats."},
    {"maxInFlight", "1024",
     "Publishes sent but not yet confirmed, at most; more wait inside the plugin. 1 to 65535."},
    {"reconnectInitialMs", "200",
     "First delay before reconnecting after a lost connection; doubles on each failure."},
    {"reconnectMaxMs", "10000", "Longest delay between two connection attempts (jittered)."},
    {"connectTimeoutMs", "5000",
     "Limit on the TCP connect, the login and each declaration; a stalled broker counts as down "
     "after it."},
};
const std::size_t kConfigKeyCount = std::size(kConfigKeys);

namespace {

// An AMQP short string: queue names and the like are at most 255 bytes.
constexpr std::size_t kMaxShortString = 255;

std::string valueOf(const plugin::Settings& settings, std::string_view name) {
  auto it = settings.find(std::string(name));
  if (it != settings.end()) return it->second;
  for (const auto& key : kConfigKeys) {
    if (name == key.name) return key.defaultValue;
  }
  return {};
}

Status refused(std::string_view name, const std::string& value, std::string_view expected) {
  return Status::invalidArgument("broker.rabbitmq." + std::string(name) + " is '" + value +
                                 "', expected " + std::string(expected));
}

// A whole decimal integer within [min, max]; nothing else.
bool parseInt(const std::string& text, int min, int max, int& out) {
  int value = 0;
  const char* end = text.data() + text.size();
  auto [next, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || next != end || value < min || value > max) {
    return false;
  }
  out = value;
  return true;
}

Status readInt(const plugin::Settings& settings, std::string_view name, int min, int max,
               int& out) {
  const std::string text = valueOf(settings, name);
  if (parseInt(text, min, max, out)) return Status::ok();
  return refused(name, text,
                 "a whole number from " + std::to_string(min) + " to " + std::to_string(max));
}

Status readName(const plugin::Settings& settings, std::string_view name, std::string& out) {
  out = valueOf(settings, name);
  if (out.empty() || out.size() > kMaxShortString) {
    return refused(name, out, "a name of 1 to 255 bytes");
  }
  return Status::ok();
}

}  // namespace

Result<RabbitOptions> parseOptions(const plugin::Settings& settings) {
  RabbitOptions options;
  const struct {
    const char* name;
    std::string* out;
  } names[] = {
      {"host", &options.host},
      {"vhost", &options.vhost},
      {"username", &options.username},
      {"tasksQueue", &options.tasksQueue},
      {"resultsQueue", &options.resultsQueue},
      {"deadLetterQueue", &options.deadLetterQueue},
  };
  for (const auto& name : names) {
    if (Status read = readName(settings, name.name, *name.out); !read.isOk()) return read;
  }
  options.password = valueOf(settings, "password");

  options.queueType = valueOf(settings, "queueType");
  if (options.queueType != "quorum" && options.queueType != "classic") {
    return refused("queueType", options.queueType, "quorum or classic");
  }
  if (options.tasksQueue == options.resultsQueue || options.deadLetterQueue == options.tasksQueue ||
      options.deadLetterQueue == options.resultsQueue) {
    return Status::invalidArgument(
        "broker.rabbitmq: tasksQueue, resultsQueue and deadLetterQueue must be three different "
        "queues");
  }

  const struct {
    const char* name;
    int min;
    int max;
    int* out;
  } numbers[] = {
      {"port", 1, 65535, &options.port},
      // The AMQP field is 16 bits; beyond an hour a dead peer goes unnoticed too long.
      {"heartbeatSeconds", 0, 3600, &options.heartbeatSeconds},
      {"maxInFlight", 1, 65535, &options.maxInFlight},
      {"reconnectInitialMs", 1, 600'000, &options.reconnectInitialMs},
      {"reconnectMaxMs", 1, 3'600'000, &options.reconnectMaxMs},
      {"connectTimeoutMs", 100, 600'000, &options.connectTimeoutMs},
  };
  for (const auto& number : numbers) {
    if (Status read = readInt(settings, number.name, number.min, number.max, *number.out);
        !read.isOk()) {
      return read;
    }
  }
  if (options.reconnectMaxMs < options.reconnectInitialMs) {
    return refused(
        "reconnectMaxMs", std::to_string(options.reconnectMaxMs),
        "at least reconnectInitialMs (" + std::to_string(options.reconnectInitialMs) + ")");
  }
  return options;
}

}  // namespace cpe::brokers::rabbitmq
