#include "proton_options.h"

#include <algorithm>
#include <iterator>
#include <string_view>
#include <utility>

#include "cpe/sdk/plugin_settings.h"
#include "url_rotation.h"

namespace cpe::brokers::proton_amqp {

const plugin::ConfigKey kConfigKeys[] = {
    {"url", "amqp://127.0.0.1:5672",
     "The AMQP 1.0 server: amqp://host:port (plain TCP) or amqps://host:port (TLS; RabbitMQ "
     "listens on 5671; name the host as its certificate does). User and password come from the "
     "keys below."},
    {"urls", "",
     "The nodes of a cluster as amqp:// or amqps:// URLs, separated by commas; when set, it "
     "replaces url. The connection tries them in turn, moving to the next on a failed connect "
     "or a lost connection, and backs off only after all have failed."},
    {"username", "guest", "The user to log in as (SASL PLAIN)."},
    {"password", "guest", "That user's password; never logged."},
    {"tasksAddress", "/amq/queue/cpe.tasks",
     "The address of the durable queue of provisioning tasks. On RabbitMQ 3.10, /amq/queue/NAME "
     "reaches a queue declared beforehand (this plugin declares nothing: provision the queues "
     "durable, quorum, dead-lettering to the dead-letter queue, e.g. with the rabbitmq plugin)."},
    {"resultsAddress", "/amq/queue/cpe.results",
     "The address of the durable queue of task results (workers to B)."},
    {"deadLetterAddress", "/amq/queue/cpe.dead",
     "The dead-letter queue's address. The plugin never sends to it: the server moves rejected "
     "messages there by the queues' own dead-letter arguments. Must differ from the other two."},
    {"reconnectInitialMs", "200",
     "First delay before reconnecting after a lost connection; doubles on each failure."},
    {"reconnectMaxMs", "10000", "Longest delay between two connection attempts."},
    {"idleTimeoutMs", "60000",
     "AMQP idle timeout: heartbeats keep the connection alive, and a server silent for this long "
     "counts as lost. 0 disables it."},
    {"maxInFlight", "1024",
     "Publishes sent on one queue's sender and not yet accepted by the server, at most; more "
     "wait inside the plugin while connected. 1 to 65535."},
    {"maxWaitingPublishes", "10000",
     "Publishes waiting inside the plugin to be sent on one queue's sender, at most: one more "
     "fails at once as unavailable, for the host to retry later, so a sender the server takes "
     "nothing from cannot pile up memory. 1 to 1000000."},
    {"maxWaitingSeconds", "60",
     "How long a publish may wait inside the plugin for its sender (credit from the server, "
     "room below maxInFlight) before it fails as unavailable. Best longer than "
     "blockedAfterSeconds, so that blocked() tells first. 1 to 3600."},
    {"blockedAfterSeconds", "30",
     "A publish left without credit or settlement for this long means the server holds our "
     "publishes back (AMQP 1.0 says no more, e.g. under a RabbitMQ resource alarm): logged, "
     "shown as cpe_broker_blocked, and the host's outbox stops sweeping until it clears."},
    {"caFile", "",
     "For amqps:// URLs: the CA certificates (PEM) that sign the server's; empty: the system's "
     "store."},
    {"verifyPeer", "true",
     "For amqps:// URLs: check the server's certificate and host name. Turn off only for a "
     "throwaway test (logged as a warning at start)."},
    {"clientCertificateFile", "",
     "For amqps:// URLs: a client certificate (PEM) to show the server when it asks for one; "
     "with clientKeyFile, both or neither."},
    {"clientKeyFile", "", "For amqps:// URLs: the client certificate's private key (PEM)."},
};
const std::size_t kConfigKeyCount = std::size(kConfigKeys);

namespace {

// `urls` when set, else `single` (url) alone.
Status readUrls(const plugin::SettingsReader& reader, std::string single,
                std::vector<std::string>& out) {
  const std::string text = reader.value("urls");
  if (text.empty()) {
    out = {std::move(single)};
    return Status::ok();
  }
  Result<std::vector<std::string>> parsed = parseUrlList(text);
  if (!parsed.isOk()) {
    return reader.refused("urls", text,
                          "amqp:// URLs separated by commas, e.g. amqp://rmq1,amqp://rmq2 (" +
                              parsed.status().message() + ")");
  }
  out = std::move(parsed.value());
  return Status::ok();
}

bool isTls(const std::string& url) { return url.rfind("amqps://", 0) == 0; }

// The TLS settings, which make no sense without an amqps:// URL.
Status readTls(const plugin::SettingsReader& reader, ProtonOptions& options) {
  if (Status read = reader.readBool("verifyPeer", options.verifyPeer); !read.isOk()) return read;
  const bool anyTls = std::any_of(options.urls.begin(), options.urls.end(), isTls);
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
    if (file.out->empty()) continue;
    if (!anyTls) return reader.refused(file.name, *file.out, "nothing without an amqps:// URL");
  }
  if (options.clientCertificateFile.empty() != options.clientKeyFile.empty()) {
    return Status::invalidArgument(
        "broker.proton: clientCertificateFile and clientKeyFile go together (both or neither)");
  }
  return Status::ok();
}

}  // namespace

Result<ProtonOptions> parseOptions(const plugin::Settings& settings) {
  const plugin::SettingsReader reader(settings, kConfigKeys, std::size(kConfigKeys),
                                      "broker.proton");
  ProtonOptions options;
  std::string url;
  const struct {
    const char* name;
    std::string* out;
  } names[] = {
      {"url", &url},
      {"username", &options.username},
      {"tasksAddress", &options.tasksAddress},
      {"resultsAddress", &options.resultsAddress},
      {"deadLetterAddress", &options.deadLetterAddress},
  };
  for (const auto& name : names) {
    *name.out = reader.value(name.name);
    if (name.out->empty() || name.out->size() > 1024) {
      return reader.refused(name.name, *name.out, "a value of 1 to 1024 bytes");
    }
  }
  options.password = reader.value("password");
  if (url.rfind("amqp://", 0) != 0 && !isTls(url)) {
    return reader.refused("url", url, "amqp://host:port or amqps://host:port");
  }
  if (Status read = readUrls(reader, std::move(url), options.urls); !read.isOk()) return read;
  if (Status read = readTls(reader, options); !read.isOk()) return read;
  if (options.tasksAddress == options.resultsAddress ||
      options.deadLetterAddress == options.tasksAddress ||
      options.deadLetterAddress == options.resultsAddress) {
    return Status::invalidArgument(
        "broker.proton: tasksAddress, resultsAddress and deadLetterAddress must be three "
        "different addresses");
  }

  const struct {
    const char* name;
    int min;
    int max;
    int* out;
  } numbers[] = {
      {"reconnectInitialMs", 1, 600'000, &options.reconnectInitialMs},
      {"reconnectMaxMs", 1, 3'600'000, &options.reconnectMaxMs},
      {"idleTimeoutMs", 0, 3'600'000, &options.idleTimeoutMs},
      {"maxInFlight", 1, 65535, &options.maxInFlight},
      {"maxWaitingPublishes", 1, 1'000'000, &options.maxWaitingPublishes},
      {"maxWaitingSeconds", 1, 3600, &options.maxWaitingSeconds},
      {"blockedAfterSeconds", 1, 3600, &options.blockedAfterSeconds},
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

}  // namespace cpe::brokers::proton_amqp
