#include "stub_options.h"

#include "cpe/config/config_reader.h"

namespace cpe::stub {
namespace {

using config::ConfigError;
using config::ConfigReader;

constexpr int kMaxPort = 65535;
constexpr double kMaxDelaySeconds = 24 * 3600;
// A must hold 1,000 requests at once and Poco serves each connection on its
// own pool thread: the default leaves headroom for /stats and health checks.
constexpr int kDefaultMaxThreads = 1100;

http::ListenerOptions readListener(ConfigReader& reader, const std::string& prefix,
                                   int defaultPort) {
  http::ListenerOptions listener;
  listener.host = reader.getString(prefix + ".host", "127.0.0.1");
  listener.port =
      static_cast<std::uint16_t>(reader.getInt(prefix + ".port", defaultPort, 0, kMaxPort));
  listener.maxThreads = reader.getInt("stub.server.maxThreads", kDefaultMaxThreads, 1, 20000);
  listener.maxQueued = reader.getInt("stub.server.maxQueued", 1000, 1, 100000);
  listener.keepAliveTimeoutSeconds =
      reader.getInt("stub.server.keepAliveTimeoutSeconds", 15, 1, 3600);
  listener.receiveTimeoutSeconds = reader.getInt("stub.server.receiveTimeoutSeconds", 30, 1, 3600);
  return listener;
}

}  // namespace

StubOptions readStubOptions(const Poco::Util::AbstractConfiguration& config) {
  ConfigReader reader(config);
  StubOptions options;

  // Both listeners are read even when disabled, so a config can switch one
  // off without deleting its settings.
  http::ListenerOptions https = readListener(reader, "stub.https", 8443);
  http::TlsServerOptions tls;
  tls.certificateFile = reader.getString("stub.tls.certificateFile", "");
  tls.privateKeyFile = reader.getString("stub.tls.privateKeyFile", "");
  tls.cipherList = reader.getString("stub.tls.cipherList", tls.cipherList);
  const http::ListenerOptions plainHttp = readListener(reader, "stub.http", 8080);

  if (reader.getBool("stub.https.enabled", true)) {
    if (tls.certificateFile.empty() || tls.privateKeyFile.empty()) {
      throw ConfigError(
          "HTTPS needs stub.tls.certificateFile and stub.tls.privateKeyFile "
          "(or stub.https.enabled = false)");
    }
    https.tls = tls;
    options.https = https;
  }
  if (reader.getBool("stub.http.enabled", false)) options.plainHttp = plainHttp;
  if (!options.https && !options.plainHttp) {
    throw ConfigError("both stub.https.enabled and stub.http.enabled are false: nothing to serve");
  }

  options.delaySeconds = reader.getDouble("stub.delaySeconds", 60.0, 0.0, kMaxDelaySeconds);
  options.knownDevicesFile = reader.getString("stub.knownDevicesFile", "");
  options.failingDevices = reader.getList("stub.failingDevices");
  options.failureRate = reader.getDouble("stub.failureRate", 0.0, 0.0, 1.0);
  options.randomSeed =
      static_cast<std::uint64_t>(reader.getInt("stub.randomSeed", 1, 0, 2147483647));
  options.readyFile = reader.getString("stub.readyFile", "");

  reader.refuseUnknownKeys("stub");
  return options;
}

}  // namespace cpe::stub
