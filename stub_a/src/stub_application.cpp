#include "stub_application.h"

#include <Poco/Net/SSLManager.h>

#include <memory>

#include "cpe/server/config/config_reader.h"
#include "cpe/server/http/certificate_handlers.h"
#include "cpe/server/http/endpoint_servers.h"
#include "cpe/server/process_limits.h"
#include "cpe/server/ready_file.h"
#include "outcome_policy.h"
#include "request_holder.h"
#include "stub_handlers.h"
#include "stub_metrics.h"
#include "stub_options.h"

namespace cpe::stub {
namespace {

// How long held requests get to send their 503 before connections are cut.
constexpr std::chrono::milliseconds kDrainOnShutdown{2000};

std::unique_ptr<OutcomePolicy> makePolicy(const StubOptions& options) {
  std::optional<OutcomePolicy::DeviceSet> known;
  if (!options.knownDevicesFile.empty()) {
    known = OutcomePolicy::readDeviceFile(options.knownDevicesFile);
  }
  OutcomePolicy::DeviceSet failing(options.failingDevices.begin(), options.failingDevices.end());
  return std::make_unique<OutcomePolicy>(std::move(known), std::move(failing), options.failureRate,
                                         options.randomSeed);
}

}  // namespace

std::string StubApplication::description() const {
  return "Stub of the synchronous CPE configuration service A. Every setting is a "
         "configuration key (see config/stub-a.properties).";
}

int StubApplication::serve() {
  StubOptions options;
  std::unique_ptr<OutcomePolicy> policy;
  try {
    options = readStubOptions(config());
    policy = makePolicy(options);
  } catch (const std::exception& error) {
    logger().fatal("configuration: %s", std::string(error.what()));
    return EXIT_CONFIG;
  }

  const auto openFiles = raiseOpenFileLimit();
  if (options.https && static_cast<std::uint64_t>(options.https->maxThreads) + 64 > openFiles) {
    logger().warning("open-file limit %Lu is below the thread pool's %d connections",
                     static_cast<Poco::UInt64>(openFiles), options.https->maxThreads);
  }
  Poco::Net::initializeSSL();
  http::installRejectingCertificateHandlers();
  RequestHolder holder;
  StubMetrics metrics(holder);
  const StubContext context{std::chrono::duration<double>(options.delaySeconds), *policy, holder,
                            metrics, options.faultMode};
  std::unique_ptr<http::EndpointServers> servers;
  try {
    servers = std::make_unique<http::EndpointServers>(
        config::Endpoints{options.https, options.plainHttp},
        [&context] { return new StubHandlerFactory(context); }, logger());
    if (!options.readyFile.empty()) writeReadyFile(options.readyFile, servers->ports());
  } catch (const Poco::Exception& error) {
    logger().fatal("cannot start: %s", error.displayText());
    return EXIT_SOFTWARE;
  }
  logger().information("answering after %.3f s; failure rate %.3f; fault mode %s",
                       options.delaySeconds, options.failureRate,
                       std::string(faultModeName(options.faultMode)));

  waitForTerminationRequest();
  logger().information("stopping: releasing %Ld held request(s)", holder.snapshot().held);
  holder.shutdown();
  holder.awaitDrained(kDrainOnShutdown);
  servers->stop();
  Poco::Net::uninitializeSSL();
  logger().information("stopped");
  return EXIT_OK;
}

}  // namespace cpe::stub
