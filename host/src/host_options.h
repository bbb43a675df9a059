#pragma once

#include <Poco/Util/AbstractConfiguration.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "api/status_line_policy.h"
#include "auth/auth_options.h"
#include "cpe/circuit_breaker.h"
#include "cpe/retry_policy.h"
#include "cpe/server/config/endpoint_config.h"
#include "cpe/server/http/listener.h"

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
  // A POST repeating an Idempotency-Key within this window gets the task of
  // the first POST with that key for that device.
  std::chrono::seconds idempotencyWindow{86400};
  // GET …/task/{task}?waitSeconds=N requests waiting at once, at most; each
  // holds one of api.server.maxThreads while it waits, so the cap stays
  // below it (a quarter of it by default). Beyond it a request answers at
  // once, as without the parameter. 0: nobody waits.
  int maxWaitingRequests = 32;
  // How often a waiting request reads its task from the store: results
  // applied by another process (several hosts on PostgreSQL) are seen within
  // this long; those applied in this process at once.
  std::chrono::milliseconds waitPollInterval{250};
};

struct WorkerOptions {
  int threads = 64;  // calls to A in parallel; also the tasks prefetch
  std::string serviceUrl = "https://127.0.0.1:8443";  // A's base URL
  std::string caFile;                                 // CA bundle that signs A's certificate
  bool verifyPeer = true;                             // verify A's certificate and host name
  // A certificate (PEM, with its chain) and its key the worker shows A when
  // A asks for one (mutual TLS); both or neither.
  std::string clientCertificateFile;
  std::string clientKeyFile;
  std::chrono::seconds callTimeout{120};
  // A connection to A idle for longer is closed, not reused: servers close
  // idle keep-alive connections (Apache after 5 s, Poco after 15 s), and a
  // request sent on one they closed fails. Counted from A's last answer, so
  // calls as long as A's delay keep their connection however long A takes.
  std::chrono::milliseconds idleConnectionReuse{4000};
  RetryOptions retry;
  // Shared by the worker threads: while A is down they wait for it instead
  // of each retrying on its own.
  CircuitBreakerOptions breaker;
  // The longest a worker keeps one task (calls and retries included) before
  // failing it: RabbitMQ closes the channel of a delivery left unacknowledged
  // past its consumer_timeout (30 min by default) and redelivers it, forever.
  std::chrono::seconds maxHold{1500};
};

struct ResultsOptions {
  int threads = 4;  // store updates in parallel
  // Result deliveries unacknowledged at once, at least `threads` (64 or
  // `threads` by default). Well above `threads`, so that the next results
  // wait here and not a round trip away in the broker: at prefetch =
  // threads, each update waited for its ack to reach the broker and the
  // next delivery to come back, which on a loaded machine capped results at
  // ~260-300/s with workers finishing ~680/s (docs/performance.md).
  int prefetch = 64;
};

struct OutboxOptions {
  std::chrono::milliseconds sweepInterval{1000};
  // Unpublished tasks younger than this are left to the fast path.
  std::chrono::milliseconds sweepMinAge{2000};
  int sweepBatch = 500;
  int maxQueued = 100000;  // fast-path queue; beyond, tasks wait for the sweep
  // Publishes awaiting the broker's confirm, at most: a broker that stalls
  // without refusing must not make the relay's memory grow with every POST.
  // Beyond, tasks wait in the store for a sweep.
  int maxInFlight = 20000;
};

// Reports tasks queued for longer than they should ever take.
struct StuckTaskOptions {
  std::chrono::seconds age{1800};          // above the worker's hold bound plus queueing
  std::chrono::seconds checkInterval{60};  // 0: no checks
};

// Finds task messages the broker lost (a purge, a delivery limit, a deleted
// queue) and publishes them again, or fails them after a few tries.
struct LostTaskOptions {
  std::chrono::seconds checkInterval{60};  // 0: no checks
  // A worker holds a task for at most worker.maxHoldSeconds; a message
  // neither ready in the queue nor answered that long plus this margin after
  // its publish is nowhere in the broker.
  std::chrono::seconds margin{120};
  int maxRepublishes = 3;  // then the task fails (500)
};

// Deletes finished tasks once they are old enough (store.retention*).
struct RetentionOptions {
  std::chrono::hours days{30 * 24};  // in whole days; 0: keep for ever
  std::chrono::seconds checkInterval{3600};
  std::size_t batch = 500;               // tasks (and keys) per delete
  std::chrono::milliseconds pause{100};  // between batches
};

// How device credentials are kept (security.*; README, Security).
struct SecurityOptions {
  // 32 random bytes (or their 64 hex digits) that seal every task's
  // parameters; the key new tasks are sealed with.
  std::string credentialsKeyFile;
  // Keys of earlier rotations, still opening what they sealed.
  std::vector<std::string> previousCredentialsKeyFiles;
  // Without a key file, keep parameters in the clear (development only).
  bool allowPlaintextCredentials = false;
};

struct HostOptions {
  Roles roles;
  // On SIGTERM, how long tasks in flight may take to finish before they are
  // handed back to the broker.
  std::chrono::seconds shutdownGrace{20};
  std::string pluginDir;
  std::string storePlugin = "sqlite";
  std::string brokerPlugin = "rabbitmq";
  std::string readyFile;
  ApiOptions api;
  auth::AuthOptions auth;  // who may call the API (and the ops port, if it asks)
  SecurityOptions security;
  // GET /healthz, /readyz and /metrics on a port of their own (ops.http.* or
  // ops.https.*, both off by default), whatever the roles: how probes and
  // Prometheus reach a worker- or results-only host.
  config::Endpoints ops;
  WorkerOptions worker;
  ResultsOptions results;
  OutboxOptions outbox;
  StuckTaskOptions stuckTasks;
  LostTaskOptions lostTasks;
  RetentionOptions retention;
};

// Reads HostOptions from `config`; throws config::ConfigError naming the key
// for a bad value or an unknown key under host., api., ops., worker.,
// results., outbox. (plugin keys under store.* and broker.* are checked by the loader).
// `defaultPluginDir` is used when host.pluginDir is not set.
HostOptions readHostOptions(const Poco::Util::AbstractConfiguration& config,
                            const std::string& defaultPluginDir);

}  // namespace cpe::host
