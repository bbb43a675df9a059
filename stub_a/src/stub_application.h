#pragma once

#include "cpe/server/server_application.h"

namespace cpe::stub {

// cpe-stub-a: plays the synchronous configuration service A (mission.md).
// Serves POST /api/v1/equipment/cpe/{id} over HTTPS (and optionally plain
// HTTP), holds each valid request for the configured delay, and answers as
// the configured outcome policy says. Stops cleanly on SIGTERM/SIGINT.
class StubApplication final : public ServerApplication {
 protected:
  int serve() override;
  std::string description() const override;
};

}  // namespace cpe::stub
