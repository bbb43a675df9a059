#include "stub_options.h"

#include <Poco/String.h>

#include "cpe/server/config/config_reader.h"
#include "cpe/server/config/endpoint_config.h"

namespace cpe::stub {
namespace {

using config::ConfigReader;

constexpr double kMaxDelaySeconds = 24 * 3600;
// A must hold 1,000 requests at once and Poco serves each connection on its
// own pool thread: the default leaves headroom for /stats and health checks.
constexpr int kDefaultMaxThreads = 1100;

}  // namespace

StubOptions readStubOptions(const Poco::Util::AbstractConfiguration& config) {
  ConfigReader reader(config);
  StubOptions options;

  const config::Endpoints endpoints =
      config::readEndpoints(reader, "stub", {8443, 8080, kDefaultMaxThreads});
  options.https = endpoints.https;
  options.plainHttp = endpoints.plainHttp;

  options.delaySeconds = reader.getDouble("stub.delaySeconds", 60.0, 0.0, kMaxDelaySeconds);
  options.knownDevicesFile = reader.getString("stub.knownDevicesFile", "");
  options.failingDevices = reader.getList("stub.failingDevices");
  options.failureRate = reader.getDouble("stub.failureRate", 0.0, 0.0, 1.0);
  options.randomSeed =
      static_cast<std::uint64_t>(reader.getInt("stub.randomSeed", 1, 0, 2147483647));
  const std::string fault = Poco::trim(reader.getString("stub.faultMode", "none"));
  const auto faultMode = parseFaultMode(fault);
  if (!faultMode) {
    throw config::ConfigError("stub.faultMode = '" + fault +
                              "': expected none, garbage, badStatus, close, drop or drip");
  }
  options.faultMode = *faultMode;
  options.readyFile = reader.getString("stub.readyFile", "");

  reader.refuseUnknownKeys("stub");
  return options;
}

}  // namespace cpe::stub
