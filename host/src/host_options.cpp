#include "host_options.h"

#include <Poco/StringTokenizer.h>

#include <algorithm>

#include "cpe/sdk/consumers.h"
#include "cpe/server/config/config_reader.h"
#include "cpe/server/config/endpoint_config.h"

namespace cpe::host {
namespace {

using config::ConfigError;
using config::ConfigReader;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kDefaultApiThreads = 128;  // style.md: Poco needs one per keep-alive client
constexpr int kDefaultOpsThreads = 4;    // probes and scrapes: a few at a time
constexpr int kOneDaySeconds = 86400;
constexpr int kMaxMillis = 86400 * 1000;
// A quarter of the API's threads may wait for tasks by default; the rest
// serve POSTs and plain reads however many clients wait.
constexpr int kWaitingShareDivisor = 4;

Roles readRoles(ConfigReader& reader) {
  Roles roles{false, false, false};
  const auto names = reader.getList("host.roles");
  if (names.empty()) return Roles{};
  for (const auto& name : names) {
    if (name == "api") {
      roles.api = true;
    } else if (name == "worker") {
      roles.worker = true;
    } else if (name == "results") {
      roles.results = true;
    } else {
      throw ConfigError("host.roles: unknown role '" + name + "' (api, worker, results)");
    }
  }
  return roles;
}

// api.maxWaitingRequests against the pool it draws from: both listeners
// read the one api.server.maxThreads, each with a pool of that size.
void readWaiting(ConfigReader& reader, ApiOptions& api) {
  const int maxThreads = api.https ? api.https->maxThreads : api.plainHttp->maxThreads;
  api.maxWaitingRequests =
      reader.getInt("api.maxWaitingRequests", maxThreads / kWaitingShareDivisor, 0, 20000);
  if (api.maxWaitingRequests >= maxThreads) {
    throw ConfigError("api.maxWaitingRequests = " + std::to_string(api.maxWaitingRequests) +
                      ": must be below api.server.maxThreads (" + std::to_string(maxThreads) +
                      "), or waiting requests could take every thread and nothing else "
                      "would be served");
  }
  api.waitPollInterval = milliseconds(reader.getInt("api.waitPollMs", 250, 10, 60000));
}

ApiOptions readApi(ConfigReader& reader) {
  ApiOptions api;
  const config::Endpoints endpoints =
      config::readEndpoints(reader, "api", {8444, 8081, kDefaultApiThreads});
  api.https = endpoints.https;
  api.plainHttp = endpoints.plainHttp;
  const std::string policy = reader.getString("api.statusLinePolicy", "mirror");
  const auto parsed = api::parseStatusLinePolicy(policy);
  if (!parsed) {
    throw ConfigError("api.statusLinePolicy = '" + policy +
                      "': expected mirror, bare204 or envelope");
  }
  api.statusLinePolicy = *parsed;
  api.retryAfterSeconds = reader.getInt("api.retryAfterSeconds", 1, 1, 3600);
  api.idempotencyWindow =
      seconds(reader.getInt("api.idempotencyWindowSeconds", 86400, 1, 30 * kOneDaySeconds));
  readWaiting(reader, api);
  return api;
}

WorkerOptions readWorker(ConfigReader& reader) {
  WorkerOptions worker;
  worker.threads = reader.getInt("worker.threads", 64, 1, 4096);
  worker.serviceUrl = reader.getString("worker.serviceUrl", worker.serviceUrl);
  worker.caFile = reader.getString("worker.caFile", "");
  worker.verifyPeer = reader.getBool("worker.verifyPeer", true);
  worker.clientCertificateFile = reader.getString("worker.clientCertificateFile", "");
  worker.clientKeyFile = reader.getString("worker.clientKeyFile", "");
  if (worker.clientCertificateFile.empty() != worker.clientKeyFile.empty()) {
    throw ConfigError("worker.clientCertificateFile and worker.clientKeyFile go together");
  }
  worker.callTimeout = seconds(reader.getInt("worker.callTimeoutSeconds", 120, 1, kOneDaySeconds));
  worker.idleConnectionReuse =
      milliseconds(reader.getInt("worker.idleConnectionReuseMs", 4000, 0, kMaxMillis));
  worker.retry.initialBackoff =
      milliseconds(reader.getInt("worker.retryInitialBackoffMs", 1000, 1, kMaxMillis));
  worker.retry.maxBackoff =
      milliseconds(reader.getInt("worker.retryMaxBackoffMs", 30000, 1, kMaxMillis));
  worker.retry.budget =
      milliseconds(reader.getInt("worker.retryBudgetSeconds", 600, 0, kOneDaySeconds) * 1000LL);
  worker.breaker.failureThreshold = reader.getInt("worker.breakerFailureThreshold", 5, 0, 1000000);
  worker.breaker.openFor = milliseconds(reader.getInt("worker.breakerOpenMs", 5000, 1, kMaxMillis));
  // A probe is one call: lost only once it has outlasted the call timeout.
  worker.breaker.probeTimeout = worker.callTimeout + seconds(5);
  worker.maxHold = seconds(reader.getInt("worker.maxHoldSeconds", 1500, 1, kOneDaySeconds));
  const int consumerTimeout =
      reader.getInt("worker.brokerConsumerTimeoutSeconds", 1800, 1, kOneDaySeconds);
  if (worker.maxHold >= seconds(consumerTimeout)) {
    // The broker would take the task back, and hand it to another worker,
    // while this one still calls A for it.
    throw ConfigError("worker.maxHoldSeconds = " + std::to_string(worker.maxHold.count()) +
                      ": must be below worker.brokerConsumerTimeoutSeconds (" +
                      std::to_string(consumerTimeout) + ")");
  }
  if (worker.serviceUrl.rfind("https://", 0) != 0 && worker.serviceUrl.rfind("http://", 0) != 0) {
    throw ConfigError("worker.serviceUrl = '" + worker.serviceUrl + "': expected an http(s) URL");
  }
  return worker;
}

OutboxOptions readOutbox(ConfigReader& reader) {
  OutboxOptions outbox;
  outbox.sweepInterval =
      milliseconds(reader.getInt("outbox.sweepIntervalMs", 1000, 10, kMaxMillis));
  outbox.sweepMinAge = milliseconds(reader.getInt("outbox.sweepMinAgeMs", 2000, 0, kMaxMillis));
  outbox.sweepBatch = reader.getInt("outbox.sweepBatch", 500, 1, 100000);
  outbox.maxQueued = reader.getInt("outbox.maxQueued", 100000, 1, 10000000);
  outbox.maxInFlight = reader.getInt("outbox.maxInFlight", 20000, 1, 10000000);
  return outbox;
}

RetentionOptions readRetention(ConfigReader& reader) {
  RetentionOptions retention;
  retention.days = std::chrono::hours(24 * reader.getInt("store.retentionDays", 30, 0, 36500));
  retention.checkInterval =
      seconds(reader.getInt("store.retentionCheckSeconds", 3600, 1, kOneDaySeconds));
  retention.batch = static_cast<std::size_t>(reader.getInt("store.retentionBatch", 500, 1, 100000));
  retention.pause = milliseconds(reader.getInt("store.retentionPauseMs", 100, 0, 60000));
  return retention;
}

// Hosts that seal (api) or open (worker) parameters need a key, unless
// plaintext is allowed.
SecurityOptions readSecurity(ConfigReader& reader, const Roles& roles) {
  SecurityOptions security;
  security.credentialsKeyFile = reader.getString("security.credentialsKeyFile", "");
  security.previousCredentialsKeyFiles = reader.getList("security.previousCredentialsKeyFiles");
  security.allowPlaintextCredentials = reader.getBool("security.allowPlaintextCredentials", false);
  if (security.credentialsKeyFile.empty() && !security.previousCredentialsKeyFiles.empty()) {
    throw ConfigError(
        "security.previousCredentialsKeyFiles needs security.credentialsKeyFile, "
        "the key new tasks are sealed with");
  }
  if ((roles.api || roles.worker) && security.credentialsKeyFile.empty() &&
      !security.allowPlaintextCredentials) {
    throw ConfigError(
        "security.credentialsKeyFile is not set: device credentials would be stored and sent "
        "in the clear. Make a key (head -c 32 /dev/urandom > FILE, readable by the service "
        "only) or set security.allowPlaintextCredentials = true (development only)");
  }
  return security;
}

}  // namespace

HostOptions readHostOptions(const Poco::Util::AbstractConfiguration& config,
                            const std::string& defaultPluginDir) {
  ConfigReader reader(config);
  HostOptions options;
  options.roles = readRoles(reader);
  options.pluginDir = reader.getString("host.pluginDir", defaultPluginDir);
  options.readyFile = reader.getString("host.readyFile", "");
  options.shutdownGrace = seconds(reader.getInt("host.shutdownGraceSeconds", 75, 0, 3600));
  options.storePlugin = reader.getString("store.plugin", options.storePlugin);
  options.brokerPlugin = reader.getString("broker.plugin", options.brokerPlugin);
  options.worker = readWorker(reader);
  options.results.threads = reader.getInt("results.threads", 4, 1, 256);
  // Fewer deliveries than threads would leave threads without work.
  options.results.prefetch = reader.getInt(
      "results.prefetch", std::max(ResultsOptions{}.prefetch, options.results.threads),
      options.results.threads, plugin::kMaxPrefetch);
  options.outbox = readOutbox(reader);
  options.stuckTasks.age =
      seconds(reader.getInt("host.stuckTaskAgeSeconds", 1800, 1, 30 * kOneDaySeconds));
  options.stuckTasks.checkInterval =
      seconds(reader.getInt("host.stuckTaskCheckSeconds", 60, 0, kOneDaySeconds));
  options.lostTasks.checkInterval =
      seconds(reader.getInt("host.lostTaskCheckSeconds", 60, 0, kOneDaySeconds));
  options.lostTasks.margin =
      seconds(reader.getInt("host.lostTaskMarginSeconds", 120, 0, kOneDaySeconds));
  options.lostTasks.maxRepublishes = reader.getInt("host.lostTaskRepublishes", 3, 0, 100);
  options.retention = readRetention(reader);
  options.ops = config::readEndpoints(
      reader, "ops", {9465, 9464, kDefaultOpsThreads, /*httpsEnabled=*/false, /*required=*/false});
  options.auth = auth::readAuthOptions(reader, options.roles.api);
  options.security = readSecurity(reader, options.roles);
  for (const char* section : {"host", "ops", "worker", "results", "outbox", "security"}) {
    reader.refuseUnknownKeys(section);
  }
  // A worker- or results-only host has no API: its api.* keys (and TLS files)
  // are neither needed nor checked.
  if (options.roles.api) {
    options.api = readApi(reader);
    reader.refuseUnknownKeys("api");
  }
  return options;
}

}  // namespace cpe::host
