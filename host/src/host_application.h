#pragma once

#include <Poco/Util/ServerApplication.h>

#include <string>

#include "cpe/config/layered_configuration.h"

namespace cpe::host {

// cpe-host: service B and its worker (mission.md). Loads the store and
// broker plugins named in config and runs the roles config asks for: `api`
// (B's HTTPS API and the outbox relay), `worker` (tasks → A → results) and
// `results` (results → store). Stops cleanly on SIGTERM/SIGINT.
class HostApplication final : public Poco::Util::ServerApplication {
 protected:
  void defineOptions(Poco::Util::OptionSet& options) override;
  void handleOption(const std::string& name, const std::string& value) override;
  void initialize(Poco::Util::Application& self) override;
  int main(const std::vector<std::string>& args) override;

 private:
  void printHelp() const;

  bool helpRequested_ = false;
  std::string configFile_;
  config::Definitions definitions_;
};

}  // namespace cpe::host
