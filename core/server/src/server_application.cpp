#include "cpe/server/server_application.h"

#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>

#include <iostream>

#include "cpe/server/config/config_reader.h"
#include "cpe/server/logging/json_log_formatter.h"
#include "cpe/server/logging/log_format.h"

namespace cpe {

void ServerApplication::defineOptions(Poco::Util::OptionSet& options) {
  Poco::Util::ServerApplication::defineOptions(options);
  using Poco::Util::Option;
  options.addOption(Option("help", "h", "print this help and exit"));
  options.addOption(Option("config", "c", "load configuration from FILE (.properties, .ini, .xml)")
                        .argument("FILE"));
  options.addOption(Option("define", "D",
                           "set configuration KEY to VALUE; wins over file and environment "
                           "(CPE_KEY_IN_CAPITALS)")
                        .argument("KEY=VALUE")
                        .repeatable(true));
}

void ServerApplication::handleOption(const std::string& name, const std::string& value) {
  Poco::Util::ServerApplication::handleOption(name, value);
  if (name == "help") {
    helpRequested_ = true;
    stopOptionsProcessing();
  } else if (name == "config") {
    configFile_ = value;
  } else if (name == "define") {
    config::addDefinition(value, definitions_);
  }
}

void ServerApplication::initialize(Poco::Util::Application& self) {
  config::layerConfiguration(*this, configFile_, definitions_);
  // Before the base class's logging subsystem configures the channels.
  logging::registerJsonLogFormatter();
  Poco::Util::ServerApplication::initialize(self);
}

int ServerApplication::main(const std::vector<std::string>&) {
  if (!helpRequested_) {
    try {
      logging::readLogFormat(config());
    } catch (const config::ConfigError& error) {
      logger().fatal("configuration: %s", std::string(error.what()));
      return EXIT_CONFIG;
    }
    return serve();
  }
  Poco::Util::HelpFormatter help(options());
  help.setCommand(commandName());
  help.setUsage("[options]");
  help.setHeader(description());
  help.format(std::cout);
  return EXIT_OK;
}

}  // namespace cpe
