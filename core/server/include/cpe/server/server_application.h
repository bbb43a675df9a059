#pragma once

#include <Poco/Util/ServerApplication.h>

#include <string>
#include <vector>

#include "cpe/server/config/layered_configuration.h"

namespace cpe {

// What every cpe server program shares: the options --help, --config=FILE
// and --define KEY=VALUE, the layered configuration (layered_configuration.h)
// and logging set up before serve(), in the format `logging.format` names
// (a value other than text or json ends the program with EXIT_CONFIG). SIGTERM/SIGINT end
// waitForTerminationRequest() inside serve(), as in any Poco ServerApplication.
class ServerApplication : public Poco::Util::ServerApplication {
 protected:
  // The program's work, once configuration is loaded; returns the exit code.
  virtual int serve() = 0;
  // One paragraph for --help.
  virtual std::string description() const = 0;

  void defineOptions(Poco::Util::OptionSet& options) override;
  void handleOption(const std::string& name, const std::string& value) override;
  void initialize(Poco::Util::Application& self) override;
  int main(const std::vector<std::string>& args) final;

 private:
  bool helpRequested_ = false;
  std::string configFile_;
  config::Definitions definitions_;
};

}  // namespace cpe
