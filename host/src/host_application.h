#pragma once

#include "cpe/server/server_application.h"

namespace cpe::host {

// cpe-host: service B and its worker (mission.md). Loads the store and
// broker plugins named in config and runs the roles config asks for: `api`
// (B's HTTPS API and the outbox relay), `worker` (tasks → A → results) and
// `results` (results → store). Stops cleanly on SIGTERM/SIGINT.
class HostApplication final : public ServerApplication {
 protected:
  int serve() override;
  std::string description() const override;
};

}  // namespace cpe::host
