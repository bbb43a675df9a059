#pragma once

#include <Poco/Util/AbstractConfiguration.h>

#include <chrono>
#include <optional>
#include <string>

#include "api/status_line_policy.h"
#include "cpe/http/listener.h"
#include "cpe/retry_policy.h"

namespace cpe::host {

// Which parts run in this process (host.roles). One binary plays every role;
// scaling out means more processes with different roles.
struct Roles {
  bool api = true;      // B's HTTPS API and the outbox relay
  bool worker = true;   // consumes tasks, calls A, publishes results
  bool results = true;  // consumes results, updates the store
  bool needsStore() const { return api || results; }
};

struct ApiOptions {
  std::optional<http::ListenerOptions> https;
  std::optional<http::ListenerOptions> plainHttp;
  api::StatusLinePolicy statusLinePolicy = api::StatusLinePolicy::kMirror;
  int retryAfterSeconds = 1;  // Retry-After on 503
};

struct WorkerOptions {
  int threads = 64;  // calls to A in parallel; also the tasks prefetch
  std::string serviceUrl = "https://127.0.0.1:8443";  // A's base URL
  std::string caFile;                                 // CA bundle that signs A's certificate
  bool verifyPeer = true;                             // verify A's certificate and host name
  std::chrono::seconds callTimeout{120};
  RetryOptions retry;
};

struct ResultsOptions {
  int threads = 4;  // store updates in parallel; also the results prefetch
};

struct OutboxOptions {
  std::chrono::milliseconds sweepInterval{1000};
  // Unpublished tasks younger than this are left to the fast path.
  std::chrono::milliseconds sweepMinAge{2000};
  int sweepBatch = 500;
  int maxQueued = 100000;  // fast-path queue; beyond, tasks wait for the sweep
};

struct HostOptions {
  Roles roles;
  std::string pluginDir;
  std::string storePlugin = "sqlite";
  std::string brokerPlugin = "rabbitmq";
  std::string readyFile;
  ApiOptions api;
  WorkerOptions worker;
  ResultsOptions results;
  OutboxOptions outbox;
};

// Reads HostOptions from `config`; throws config::ConfigError naming the key
// for a bad value or an unknown key under host., api., worker., results.,
// outbox. (plugin keys under store.* and broker.* are checked by the loader).
// `defaultPluginDir` is used when host.pluginDir is not set.
HostOptions readHostOptions(const Poco::Util::AbstractConfiguration& config,
                            const std::string& defaultPluginDir);

}  // namespace cpe::host
