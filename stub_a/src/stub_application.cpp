#include "stub_application.h"

#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Process.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>

#include <iostream>
#include <memory>

#include "cpe/config/config_reader.h"
#include "cpe/http/listener.h"
#include "cpe/process_limits.h"
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

// Written atomically (rename) so a reader never sees half a file.
void writeReadyFile(const std::string& path, const http::Listener* https,
                    const http::Listener* plainHttp) {
  Poco::JSON::Object ready(Poco::JSON_PRESERVE_KEY_ORDER);
  ready.set("pid", static_cast<Poco::Int64>(Poco::Process::id()));
  if (https) ready.set("https", https->port());
  if (plainHttp) ready.set("http", plainHttp->port());
  const std::string temporary = path + ".tmp";
  {
    Poco::FileOutputStream out(temporary);
    ready.stringify(out);
  }
  Poco::File(temporary).renameTo(path);
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
  std::unique_ptr<http::Listener> https;
  std::unique_ptr<http::Listener> plainHttp;
  try {
    if (options.https) {
      https = std::make_unique<http::Listener>(*options.https, new StubHandlerFactory(context));
      logger().information("serving HTTPS on %s:%hu", options.https->host, https->port());
    }
    if (options.plainHttp) {
      plainHttp =
          std::make_unique<http::Listener>(*options.plainHttp, new StubHandlerFactory(context));
      logger().information("serving HTTP on %s:%hu", options.plainHttp->host, plainHttp->port());
    }
    if (!options.readyFile.empty()) writeReadyFile(options.readyFile, https.get(), plainHttp.get());
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
  if (plainHttp) plainHttp->stop();
  if (https) https->stop();
  Poco::Net::uninitializeSSL();
  logger().information("stopped");
  return EXIT_OK;
}

}  // namespace cpe::stub
