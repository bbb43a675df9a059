#pragma once

#include <Poco/Util/ServerApplication.h>

#include <string>

#include "cpe/config/layered_configuration.h"

namespace cpe::stub {

// cpe-stub-a: plays the synchronous configuration service A (mission.md).
// Serves POST /api/v1/equipment/cpe/{id} over HTTPS (and optionally plain
// HTTP), holds each valid request for the configured delay, and answers as
// the configured outcome policy says. Stops cleanly on SIGTERM/SIGINT.
class StubApplication final : public Poco::Util::ServerApplication {
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

}  // namespace cpe::stub
