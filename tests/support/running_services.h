#pragma once

#include <Poco/JSON/Object.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cpe/sdk/task_store.h"
#include "https_client.h"
#include "service_process.h"

namespace cpe::testing {

// A fresh folder under the test work dir, unique per process and call.
std::string freshDir(const std::string& prefix);

// Devices the test stub knows: ABC123, FAIL01 (always 500), GOOD01 and
// DEV100000…DEV100999. Any other valid id is unknown to it (404).
inline constexpr const char* kFailingDevice = "FAIL01";

// A cpe-stub-a process with HTTPS and plain HTTP on free loopback ports.
// Logs as runServicesWithJsonLogs (json_log.h) and watchForPasswordLeaks
// (password_leaks.h) say, unless extraDefines say; the latter also has its
// folder remembered for the password leak check.
class RunningStub {
 public:
  explicit RunningStub(double delaySeconds, const std::vector<std::string>& extraDefines = {});

  const TestClient& https() const { return *https_; }
  const TestClient& http() const { return *http_; }
  std::uint16_t httpsPort() const { return httpsPort_; }
  std::uint16_t httpPort() const { return httpPort_; }
  ServiceProcess& process() { return *process_; }

  Poco::JSON::Object::Ptr stats() const { return https().get("/stats").json(); }
  // Polls /stats until `held` reaches `count`; false if `limit` passes first.
  bool awaitHeld(int count, std::chrono::seconds limit) const;

 private:
  std::string dir_;
  std::unique_ptr<ServiceProcess> process_;
  std::optional<TestClient> https_;
  std::optional<TestClient> http_;
  std::uint16_t httpsPort_ = 0;
  std::uint16_t httpPort_ = 0;
};

// Queue names of their own for one test, so tests sharing a RabbitMQ never
// see each other's messages.
struct QueueNames {
  std::string tasks;
  std::string results;
  std::string dead;
  static QueueNames unique();
  // A PostgreSQL schema name of the same uniqueness, for the store.
  std::string schema() const;
};

// The test database of deploy/local/start-postgres.sh.
inline constexpr const char* kPostgresTestConnection =
    "host=127.0.0.1 port=5432 dbname=cpe_test user=cpe password=cpe connect_timeout=3";

// A store and broker pairing under test, by plugin name.
struct Backends {
  std::string store;
  std::string broker;
  std::string name() const;  // "sqlite_rabbitmq", for test names
};
// How GoogleTest prints a pairing in its messages.
inline void PrintTo(const Backends& backends, std::ostream* out) { *out << backends.name(); }

// The -D settings that point a host at `backends` with the test's own queues
// (and schema, and SQLite file in `dataDir`). Hosts given the same values
// share the store and the queues.
std::vector<std::string> backendDefines(const Backends& backends, const QueueNames& queues,
                                        const std::string& dataDir);

// Declares the durable queues (and dead-letter route) exactly as the
// RabbitMQ-C plugin does, by running it once: the AMQP 1.0 plugin cannot
// declare queues with arguments on RabbitMQ 3.10, so they must exist first.
void declareQueues(const QueueNames& queues, std::uint16_t port = 5672);

// The API token every test host knows (caller "suite", scopes tasks:write,
// tasks:read and ops:read), and what a raw request carries to present it.
// RunningHost::api() sends it; a test host is configured with its hash only.
inline constexpr const char* kSuiteToken = "cpe_suite-token-of-the-test-hosts";
inline constexpr const char* kSuiteTokenSha256 =
    "a3890a997022490142f2324a134e234835877cc943aa7e7280697a3f5573b6f0";
inline constexpr const char* kSuiteAuthorizationLine =
    "Authorization: Bearer cpe_suite-token-of-the-test-hosts\r\n";

// The credentials key every test host seals device credentials with (one
// for all: hosts sharing a store open each other's tasks), as 64 hex digits,
// and the file under the test work dir that holds it.
inline constexpr const char* kSuiteCredentialsKeyHex =
    "5375697465206b657920666f72207468652074657374732c206e6f7420666f72";
std::string suiteCredentialsKeyFile();

// A cpe-host process over HTTPS on a free loopback port, pointed at `stub`.
// `defines` are -D settings (backendDefines and more) on top of the test
// defaults (8 workers, fast retries and outbox sweeps, authentication on
// with the suite's token, credentials sealed with the suite's key, the log
// format of runServicesWithJsonLogs in json_log.h and the level of
// watchForPasswordLeaks in password_leaks.h, which also has its folder,
// SQLite files and PostgreSQL schema remembered for the password leak check).
class RunningHost {
 public:
  RunningHost(const std::string& dir, const RunningStub& stub,
              const std::vector<std::string>& defines);
  // The same, pointed at A's HTTPS port on loopback whether or not anything
  // listens there yet (a stub started later, or none at all).
  RunningHost(const std::string& dir, std::uint16_t stubHttpsPort,
              const std::vector<std::string>& defines);

  const TestClient& api() const { return *api_; }
  ServiceProcess& process() { return *process_; }
  std::string log() const { return process_->log(); }
  // The port the host's ready file gives for `endpoint` ("https", "http",
  // "ops.http", ...); 0 if that endpoint does not run.
  std::uint16_t port(const std::string& endpoint) const;
  // Polls /readyz until it answers 200 (the broker connected and its queues
  // declared); false if `limit` passes first. A host answers POSTs before
  // that, so tests that publish to its queues directly wait for this first.
  bool awaitReady(std::chrono::seconds limit = std::chrono::seconds(60)) const;
  // Polls /metrics until `series` equals `value`; false if `limit` passes first.
  bool awaitMetric(const std::string& series, double value,
                   std::chrono::seconds limit = std::chrono::seconds(60)) const;

 private:
  std::unique_ptr<ServiceProcess> process_;
  Poco::JSON::Object::Ptr ready_;
  std::optional<TestClient> api_;
};

// The value of `series` (a name and labels as printed, such as
// cpe_api_requests_total{route="create_task",code="200"}, the labels in any
// order) in a Prometheus text exposition; empty if it is not there.
std::optional<double> metricValue(const std::string& exposition, const std::string& series);

// Removes the queues and the PostgreSQL schema of `queues` (best effort), so
// tests leave the servers as they found them. The schema's rows are copied
// for the password leak check first (keepPostgresRows in password_leaks.h);
// a schema whose rows could not be copied is left for the check's last try.
void deleteQueues(const QueueNames& queues);

// Stops and starts the RabbitMQ application on the local node (the Erlang VM
// keeps running, so starting again takes a few seconds). startRabbitMq()
// returns once the broker accepts connections again.
void stopRabbitMq();
void startRabbitMq();

// Publishes `body` straight to `queue` (amqp-tools), as a foreign or broken
// producer would; takes the body from stdin, so any bytes are fine.
void publishRaw(const std::string& queue, const std::string& body);
// Takes every message off `queue` (amqp-get) and returns their bodies.
std::vector<std::string> drainQueue(const std::string& queue);

// A loopback TCP port free at the time of the call, for a service started
// later on a port chosen in advance (pass -Dstub.https.port=N to RunningStub).
std::uint16_t freeLoopbackPort();

// Stops (fast mode: sessions are cut) and starts the local PostgreSQL 15
// cluster of deploy/local/start-postgres.sh. startPostgres() returns once it
// accepts connections again.
void stopPostgres();
void startPostgres();

// The store that hosts given backendDefines(backends, queues, dataDir) use,
// opened the way the host opens it, to read tasks straight from it. Durable
// stores only: a memory store lives inside its host.
std::unique_ptr<TaskStore> openStore(const Backends& backends, const QueueNames& queues,
                                     const std::string& dataDir);

}  // namespace cpe::testing
