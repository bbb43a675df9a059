#include "stub_application.h"

#include <Poco/Net/SSLManager.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>

#include <iostream>
#include <memory>

#include "cpe/config/config_reader.h"
#include "cpe/http/endpoint_servers.h"
#include "cpe/process_limits.h"
#include "cpe/ready_file.h"
#include "outcome_policy.h"
#include "request_holder.h"
#include "stub_handlers.h"
#include "stub_options.h"

namespace cpe::stub {
namespace {

using Poco::Util::Option;

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

void StubApplication::defineOptions(Poco::Util::OptionSet& options) {
  ServerApplication::defineOptions(options);
  options.addOption(Option("help", "h", "print this help and exit"));
  options.addOption(Option("config", "c", "load configuration from FILE (.properties, .ini, .xml)")
                        .argument("FILE"));
  options.addOption(Option("define", "D",
                           "set configuration KEY to VALUE; wins over file and "
                           "environment (CPE_KEY_IN_CAPITALS)")
                        .argument("KEY=VALUE")
                        .repeatable(true));
}

void StubApplication::handleOption(const std::string& name, const std::string& value) {
  ServerApplication::handleOption(name, value);
  if (name == "help") {
    helpRequested_ = true;
    stopOptionsProcessing();
  } else if (name == "config") {
    configFile_ = value;
  } else if (name == "define") {
    config::addDefinition(value, definitions_);
  }
}

void StubApplication::initialize(Poco::Util::Application& self) {
  config::layerConfiguration(*this, configFile_, definitions_);
  ServerApplication::initialize(self);
}

void StubApplication::printHelp() const {
  Poco::Util::HelpFormatter help(options());
  help.setCommand(commandName());
  help.setUsage("[options]");
  help.setHeader(
      "Stub of the synchronous CPE configuration service A. Every setting is a "
      "configuration key (see config/stub-a.properties).");
  help.format(std::cout);
}

int StubApplication::main(const std::vector<std::string>&) {
  if (helpRequested_) {
    printHelp();
    return EXIT_OK;
  }
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
  RequestHolder holder;
  const StubContext context{std::chrono::duration<double>(options.delaySeconds), *policy, holder};
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
  logger().information("answering after %.3f s; failure rate %.3f", options.delaySeconds,
                       options.failureRate);

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
