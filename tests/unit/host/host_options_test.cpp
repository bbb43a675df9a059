#include "host_options.h"

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "cpe/server/config/config_reader.h"

namespace cpe::host {
namespace {

// A worker-only host: needs neither API certificates nor a store.
Poco::AutoPtr<Poco::Util::MapConfiguration> workerOnly() {
  Poco::AutoPtr<Poco::Util::MapConfiguration> config = new Poco::Util::MapConfiguration;
  config->setString("host.roles", "worker");
  config->setString("security.allowPlaintextCredentials", "true");  // tested below
  return config;
}

TEST(HostOptionsOps, TheOpsEndpointIsOffByDefault) {
  const HostOptions options = readHostOptions(*workerOnly(), "/plugins");
  EXPECT_FALSE(options.ops.https);
  EXPECT_FALSE(options.ops.plainHttp);
}

TEST(HostOptionsOps, PlainHttpOnLoopbackPort9464WhenEnabled) {
  auto config = workerOnly();
  config->setString("ops.http.enabled", "true");
  const HostOptions options = readHostOptions(*config, "/plugins");
  ASSERT_TRUE(options.ops.plainHttp);
  EXPECT_EQ(options.ops.plainHttp->host, "127.0.0.1");
  EXPECT_EQ(options.ops.plainHttp->port, 9464);
  EXPECT_FALSE(options.ops.https);
}

TEST(HostOptionsOps, HttpsNeedsItsCertificateFiles) {
  auto config = workerOnly();
  config->setString("ops.https.enabled", "true");
  EXPECT_THROW(readHostOptions(*config, "/plugins"), config::ConfigError);
}

TEST(HostOptionsOps, AMisspeltOpsKeyIsRefused) {
  auto config = workerOnly();
  config->setString("ops.htp.port", "9000");
  EXPECT_THROW(readHostOptions(*config, "/plugins"), config::ConfigError);
}

// A answers in about 60 s (the brief): a shorter default grace would make
// every rolling restart hand back, and so call A again for, every task in
// flight.
// What seals device credentials (README, Security).
TEST(HostOptionsSecurity, AHostThatSealsOrOpensParametersNeedsAKeyUnlessPlaintextIsAllowed) {
  for (const char* roles : {"api", "worker", "api,worker,results"}) {
    Poco::AutoPtr<Poco::Util::MapConfiguration> config = new Poco::Util::MapConfiguration;
    config->setString("host.roles", roles);
    config->setString("api.https.enabled", "false");
    config->setString("api.http.enabled", "true");
    config->setString("api.auth.enabled", "false");
    try {
      readHostOptions(*config, "/plugins");
      ADD_FAILURE() << roles << ": started without a key";
    } catch (const config::ConfigError& error) {
      EXPECT_NE(std::string(error.what()).find("security.credentialsKeyFile"), std::string::npos)
          << error.what();
    }
    config->setString("security.allowPlaintextCredentials", "true");
    EXPECT_TRUE(readHostOptions(*config, "/plugins").security.allowPlaintextCredentials) << roles;
    config->setString("security.allowPlaintextCredentials", "false");
    config->setString("security.credentialsKeyFile", "/etc/cpe/credentials.key");
    config->setString("security.previousCredentialsKeyFiles",
                      "/etc/cpe/old-1.key, /etc/cpe/old-2.key");
    const HostOptions options = readHostOptions(*config, "/plugins");
    EXPECT_EQ(options.security.credentialsKeyFile, "/etc/cpe/credentials.key");
    EXPECT_EQ(options.security.previousCredentialsKeyFiles,
              (std::vector<std::string>{"/etc/cpe/old-1.key", "/etc/cpe/old-2.key"}));
  }
  // Results alone neither seals nor opens.
  Poco::AutoPtr<Poco::Util::MapConfiguration> results = new Poco::Util::MapConfiguration;
  results->setString("host.roles", "results");
  EXPECT_NO_THROW(readHostOptions(*results, "/plugins"));
}

TEST(HostOptionsSecurity, EarlierKeysWithoutACurrentOneAreRefused) {
  auto config = workerOnly();
  config->setString("security.previousCredentialsKeyFiles", "/etc/cpe/old.key");
  EXPECT_THROW(readHostOptions(*config, "/plugins"), config::ConfigError);
}

TEST(HostOptionsShutdown, TheDefaultGraceOutlastsAUsualCallToA) {
  const HostOptions options = readHostOptions(*workerOnly(), "/plugins");
  EXPECT_GT(options.shutdownGrace, std::chrono::seconds(60));
}

TEST(HostOptionsWorker, AHoldAsLongAsTheBrokersConsumerTimeoutIsRefused) {
  auto config = workerOnly();
  config->setString("worker.brokerConsumerTimeoutSeconds", "600");
  config->setString("worker.maxHoldSeconds", "600");
  EXPECT_THROW(readHostOptions(*config, "/plugins"), config::ConfigError);
  config->setString("worker.maxHoldSeconds", "599");
  EXPECT_EQ(readHostOptions(*config, "/plugins").worker.maxHold, std::chrono::seconds(599));
}

TEST(HostOptionsWorker, TheDefaultsFitOneTaskInsideTheHoldAndTheHoldInsideTheConsumerTimeout) {
  const WorkerOptions worker = readHostOptions(*workerOnly(), "/plugins").worker;
  EXPECT_LE(worker.retry.budget + worker.callTimeout, worker.maxHold);
  EXPECT_LT(worker.maxHold, std::chrono::seconds(1800));  // RabbitMQ's default consumer_timeout
}

TEST(HostOptionsWorker, IdleConnectionsToAAreReusedBelowApachesIdleTimeoutByDefault) {
  auto config = workerOnly();
  EXPECT_LT(readHostOptions(*config, "/plugins").worker.idleConnectionReuse,
            std::chrono::seconds(5));
  config->setString("worker.idleConnectionReuseMs", "0");  // a connection per call
  EXPECT_EQ(readHostOptions(*config, "/plugins").worker.idleConnectionReuse,
            std::chrono::milliseconds(0));
  config->setString("worker.idleConnectionReuseMs", "-1");
  EXPECT_THROW(readHostOptions(*config, "/plugins"), config::ConfigError);
}

TEST(HostOptionsResults, ResultsWaitingHereOutnumberTheThreadsByDefault) {
  auto config = workerOnly();
  const ResultsOptions results = readHostOptions(*config, "/plugins").results;
  EXPECT_GE(results.prefetch, 8 * results.threads);
  config->setString("results.threads", "128");  // more threads than the default prefetch
  EXPECT_EQ(readHostOptions(*config, "/plugins").results.prefetch, 128);
}

TEST(HostOptionsResults, APrefetchThatLeavesThreadsWithoutWorkIsRefused) {
  auto config = workerOnly();
  config->setString("results.threads", "4");
  config->setString("results.prefetch", "4");
  EXPECT_EQ(readHostOptions(*config, "/plugins").results.prefetch, 4);
  for (const char* outOfRange : {"3", "0", "65536"}) {
    config->setString("results.prefetch", outOfRange);
    EXPECT_THROW(readHostOptions(*config, "/plugins"), config::ConfigError) << outOfRange;
  }
}

// An API host over plain HTTP: no certificate files needed.
Poco::AutoPtr<Poco::Util::MapConfiguration> apiOnly() {
  Poco::AutoPtr<Poco::Util::MapConfiguration> config = new Poco::Util::MapConfiguration;
  config->setString("host.roles", "api");
  config->setString("api.https.enabled", "false");
  config->setString("api.http.enabled", "true");
  config->setString("api.auth.enabled", "false");  // auth/auth_options_test.cpp covers it
  config->setString("security.allowPlaintextCredentials", "true");
  return config;
}

TEST(HostOptionsWaiting, AQuarterOfTheApiThreadsMayWaitByDefault) {
  auto config = apiOnly();
  const HostOptions defaults = readHostOptions(*config, "/plugins");
  EXPECT_EQ(defaults.api.maxWaitingRequests, 32);  // of 128
  EXPECT_EQ(defaults.api.waitPollInterval, std::chrono::milliseconds(250));
  config->setString("api.server.maxThreads", "40");
  EXPECT_EQ(readHostOptions(*config, "/plugins").api.maxWaitingRequests, 10);
}

TEST(HostOptionsWaiting, ACapLeavingNoThreadForOtherRequestsIsRefused) {
  auto config = apiOnly();
  config->setString("api.server.maxThreads", "16");
  config->setString("api.maxWaitingRequests", "16");
  EXPECT_THROW(readHostOptions(*config, "/plugins"), config::ConfigError);
  config->setString("api.maxWaitingRequests", "15");
  EXPECT_EQ(readHostOptions(*config, "/plugins").api.maxWaitingRequests, 15);
  config->setString("api.maxWaitingRequests", "0");  // nobody waits
  EXPECT_EQ(readHostOptions(*config, "/plugins").api.maxWaitingRequests, 0);
}

TEST(HostOptionsWaiting, APollIntervalOutOfRangeIsRefused) {
  auto config = apiOnly();
  config->setString("api.waitPollMs", "5");
  EXPECT_THROW(readHostOptions(*config, "/plugins"), config::ConfigError);
  config->setString("api.waitPollMs", "1000");
  EXPECT_EQ(readHostOptions(*config, "/plugins").api.waitPollInterval,
            std::chrono::milliseconds(1000));
}

}  // namespace
}  // namespace cpe::host
