#pragma once

#include <string>

#include "cpe/server/server_application.h"

namespace cpe::host {

// cpe-host: service B and its worker (mission.md). Loads the store and
// broker plugins named in config and runs the roles config asks for: `api`
// (B's HTTPS API and the outbox relay), `worker` (tasks → A → results) and
// `results` (results → store). Stops cleanly on SIGTERM/SIGINT.
// `cpe-host --new-token NAME` prints a new API token and its config lines
// instead.
class HostApplication final : public ServerApplication {
 protected:
  int serve() override;
  std::string description() const override;
  void defineOptions(Poco::Util::OptionSet& options) override;
  void handleOption(const std::string& name, const std::string& value) override;

 private:
  std::string newTokenFor_;  // --new-token NAME
};

}  // namespace cpe::host
