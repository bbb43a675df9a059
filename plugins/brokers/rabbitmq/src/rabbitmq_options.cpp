#include "rabbitmq_options.h"

#include <charconv>
#include <iterator>
#include <string_view>

#include "cpe/sdk/plugin_settings.h"

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

Status readName(const plugin::SettingsReader& reader, std::string_view name, std::string& out) {
  out = reader.value(name);
  if (out.empty() || out.size() > kMaxShortString) {
    return reader.refused(name, out, "a name of 1 to 255 bytes");
  }
  return Status::ok();
}

}  // namespace

Result<RabbitOptions> parseOptions(const plugin::Settings& settings) {
  const plugin::SettingsReader reader(settings, kConfigKeys, std::size(kConfigKeys),
                                      "broker.rabbitmq");
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
    if (Status read = readName(reader, name.name, *name.out); !read.isOk()) return read;
  }
  options.password = reader.value("password");

  options.queueType = reader.value("queueType");
  if (options.queueType != "quorum" && options.queueType != "classic") {
    return reader.refused("queueType", options.queueType, "quorum or classic");
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
    if (Status read = reader.readInt(number.name, number.min, number.max, *number.out);
        !read.isOk()) {
      return read;
    }
  }
  if (options.reconnectMaxMs < options.reconnectInitialMs) {
    return reader.refused(
        "reconnectMaxMs", std::to_string(options.reconnectMaxMs),
        "at least reconnectInitialMs (" + std::to_string(options.reconnectInitialMs) + ")");
  }
  return options;
}

}  // namespace cpe::brokers::rabbitmq
