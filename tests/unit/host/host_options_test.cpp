#include "host_options.h"

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>
#include <gtest/gtest.h>

#include <chrono>

#include "cpe/server/config/config_reader.h"

namespace cpe::host {
namespace {

// A worker-only host: needs neither API certificates nor a store.
Poco::AutoPtr<Poco::Util::MapConfiguration> workerOnly() {
  Poco::AutoPtr<Poco::Util::MapConfiguration> config = new Poco::Util::MapConfiguration;
  config->setString("host.roles", "worker");
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

// An API host over plain HTTP: no certificate files needed.
Poco::AutoPtr<Poco::Util::MapConfiguration> apiOnly() {
  Poco::AutoPtr<Poco::Util::MapConfiguration> config = new Poco::Util::MapConfiguration;
  config->setString("host.roles", "api");
  config->setString("api.https.enabled", "false");
  config->setString("api.http.enabled", "true");
  config->setString("api.auth.enabled", "false");  // auth/auth_options_test.cpp covers it
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
