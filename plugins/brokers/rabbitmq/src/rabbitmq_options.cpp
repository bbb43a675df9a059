#include "rabbitmq_options.h"

#include <charconv>
#include <iterator>
#include <string_view>
#include <utility>

#include "cpe/sdk/plugin_settings.h"

namespace cpe::brokers::rabbitmq {

const plugin::ConfigKey kConfigKeys[] = {
    {"host", "127.0.0.1", "The RabbitMQ server's host name or address."},
    {"port", "5672", "The AMQP 0-9-1 port: RabbitMQ listens on 5672, and on 5671 for TLS."},
    {"addresses", "",
     "The nodes of a cluster as host:port, separated by commas (e.g. rmq1:5672,rmq2:5672); when "
     "set, it replaces host and port. Each connection tries them in turn, moving to the next on a "
     "failed connect or a lost connection, and backs off only after all have failed."},
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
    {"confirmTimeoutMs", "30000",
     "Longest time publishes may go unacked (unanswered or nacked) before the connection counts "
     "as broken and is reopened, on the next node of addresses. RabbitMQ 3.10 can nack every "
     "publish to a quorum queue on a channel opened while that queue elected a new leader."},
    {"tls", "false",
     "Connect over TLS (AMQPS; TLS 1.2 at least), to the TLS port (5671). The broker's "
     "certificate and host name are checked: name each node as its certificate does."},
    {"caFile", "",
     "With tls: the CA certificates (PEM) that sign the broker's; empty: the system's store."},
    {"verifyPeer", "true",
     "With tls: check the broker's certificate and host name. Turn off only for a throwaway test "
     "(logged as a warning at each connect)."},
    {"clientCertificateFile", "",
     "With tls: a client certificate (PEM) to show the broker when it asks for one; with "
     "clientKeyFile, both or neither."},
    {"clientKeyFile", "", "With tls: the client certificate's private key (PEM)."},
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

// `addresses` when set, else `single` (host and port) alone.
Status readAddresses(const plugin::SettingsReader& reader, BrokerAddress single,
                     std::vector<BrokerAddress>& out) {
  const std::string text = reader.value("addresses");
  if (text.empty()) {
    out = {std::move(single)};
    return Status::ok();
  }
  Result<std::vector<BrokerAddress>> parsed = parseBrokerAddresses(text);
  if (!parsed.isOk()) {
    return reader.refused("addresses", text,
                          "host:port entries separated by commas, e.g. rmq1:5672,rmq2:5672 (" +
                              parsed.status().message() + ")");
  }
  out = std::move(parsed.value());
  return Status::ok();
}

// tls and the files it uses, which make no sense without it.
Status readTls(const plugin::SettingsReader& reader, RabbitOptions& options) {
  if (Status read = reader.readBool("tls", options.tls); !read.isOk()) return read;
  if (Status read = reader.readBool("verifyPeer", options.verifyPeer); !read.isOk()) return read;
  const struct {
    const char* name;
    std::string* out;
  } files[] = {
      {"caFile", &options.caFile},
      {"clientCertificateFile", &options.clientCertificateFile},
      {"clientKeyFile", &options.clientKeyFile},
  };
  for (const auto& file : files) {
    if (Status read = reader.readFile(file.name, *file.out); !read.isOk()) return read;
    if (!file.out->empty() && !options.tls) {
      return reader.refused(file.name, *file.out, "nothing while tls is false");
    }
  }
  if (options.clientCertificateFile.empty() != options.clientKeyFile.empty()) {
    return Status::invalidArgument(
        "broker.rabbitmq: clientCertificateFile and clientKeyFile go together (both or neither)");
  }
  return Status::ok();
}

}  // namespace

Result<RabbitOptions> parseOptions(const plugin::Settings& settings) {
  const plugin::SettingsReader reader(settings, kConfigKeys, std::size(kConfigKeys),
                                      "broker.rabbitmq");
  RabbitOptions options;
  std::string host;
  int port = 0;
  const struct {
    const char* name;
    std::string* out;
  } names[] = {
      {"host", &host},
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
      {"port", 1, 65535, &port},
      // The AMQP field is 16 bits; beyond an hour a dead peer goes unnoticed too long.
      {"heartbeatSeconds", 0, 3600, &options.heartbeatSeconds},
      {"maxInFlight", 1, 65535, &options.maxInFlight},
      {"reconnectInitialMs", 1, 600'000, &options.reconnectInitialMs},
      {"reconnectMaxMs", 1, 3'600'000, &options.reconnectMaxMs},
      {"connectTimeoutMs", 100, 600'000, &options.connectTimeoutMs},
      {"confirmTimeoutMs", 100, 3'600'000, &options.confirmTimeoutMs},
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
  if (Status read = readAddresses(reader, BrokerAddress{host, port}, options.addresses);
      !read.isOk()) {
    return read;
  }
  if (Status read = readTls(reader, options); !read.isOk()) return read;
  return options;
}

std::string RabbitOptions::addressesText() const {
  std::string text;
  for (const BrokerAddress& address : addresses) {
    text += (text.empty() ? "" : ",") + address.toString();
  }
  return text;
}

}  // namespace cpe::brokers::rabbitmq
