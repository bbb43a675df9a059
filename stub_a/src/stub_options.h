#pragma once

#include <Poco/Util/AbstractConfiguration.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cpe/server/http/listener.h"
#include "fault_mode.h"

namespace cpe::stub {

// Everything cpe-stub-a can be told, with the defaults it runs with. Filled
// once at start from the layered configuration (keys under `stub.`; see
// config/stub-a.properties for each key's meaning).
struct StubOptions {
  // HTTPS endpoint; unset when stub.https.enabled = false.
  std::optional<http::ListenerOptions> https;
  // Plain HTTP endpoint for development; unset unless stub.http.enabled = true.
  std::optional<http::ListenerOptions> plainHttp;

  // How long each valid request is held before its answer. The brief's A
  // answers after 60 s; tests use fractions of a second.
  double delaySeconds = 60.0;

  // Device ids A knows, one per line; empty path: every device is known.
  std::string knownDevicesFile;
  // Devices whose provisioning always fails with 500.
  std::vector<std::string> failingDevices;
  // Share of other requests that fail with 500, drawn from a generator
  // seeded with randomSeed so that runs repeat.
  double failureRate = 0.0;
  std::uint64_t randomSeed = 1;

  // For fault tests only: how every answer to a valid request is spoilt
  // (see fault_mode.h). The default answers as A does.
  FaultMode faultMode = FaultMode::kNone;

  // When set, the bound ports are written there as JSON once serving.
  std::string readyFile;
};

// Reads StubOptions from `config`; throws config::ConfigError naming the key
// for a bad value or an unknown `stub.*` key.
StubOptions readStubOptions(const Poco::Util::AbstractConfiguration& config);

}  // namespace cpe::stub
