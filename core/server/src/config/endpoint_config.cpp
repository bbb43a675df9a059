#include "cpe/server/config/endpoint_config.h"

namespace cpe::config {
namespace {

constexpr int kMaxPort = 65535;

http::ListenerOptions readListener(ConfigReader& reader, const std::string& prefix,
                                   const std::string& kind, int defaultPort,
                                   int defaultMaxThreads) {
  http::ListenerOptions listener;
  listener.host = reader.getString(prefix + "." + kind + ".host", "127.0.0.1");
  listener.port = static_cast<std::uint16_t>(
      reader.getInt(prefix + "." + kind + ".port", defaultPort, 0, kMaxPort));
  const std::string server = prefix + ".server.";
  listener.maxThreads = reader.getInt(server + "maxThreads", defaultMaxThreads, 1, 20000);
  listener.maxQueued = reader.getInt(server + "maxQueued", 1000, 1, 100000);
  listener.keepAliveTimeoutSeconds = reader.getInt(server + "keepAliveTimeoutSeconds", 15, 1, 3600);
  listener.receiveTimeoutSeconds = reader.getInt(server + "receiveTimeoutSeconds", 30, 1, 3600);
  listener.requestHeadTimeoutSeconds = reader.getInt(server + "requestHeadTimeoutSeconds",
                                                     listener.requestHeadTimeoutSeconds, 1, 3600);
  listener.requestBodyTimeoutSeconds = reader.getInt(server + "requestBodyTimeoutSeconds",
                                                     listener.requestBodyTimeoutSeconds, 1, 3600);
  // Poco refuses more than 100 fields on its own (MessageHeader::DFL_FIELD_LIMIT).
  listener.maxHeaderFields =
      reader.getInt(server + "maxHeaderFields", listener.maxHeaderFields, 1, 100);
  listener.maxHeaderBytes =
      reader.getInt(server + "maxHeaderBytes", listener.maxHeaderBytes, 256, 1024 * 1024);
  return listener;
}

}  // namespace

Endpoints readEndpoints(ConfigReader& reader, const std::string& prefix,
                        const EndpointDefaults& defaults) {
  Endpoints endpoints;
  http::ListenerOptions https =
      readListener(reader, prefix, "https", defaults.httpsPort, defaults.maxThreads);
  http::TlsServerOptions tls;
  tls.certificateFile = reader.getString(prefix + ".tls.certificateFile", "");
  tls.privateKeyFile = reader.getString(prefix + ".tls.privateKeyFile", "");
  tls.cipherList = reader.getString(prefix + ".tls.cipherList", tls.cipherList);
  tls.clientCaFile = reader.getString(prefix + ".tls.clientCaFile", "");
  tls.requireClientCertificate = reader.getBool(prefix + ".tls.requireClientCertificate", false);
  if (tls.requireClientCertificate && tls.clientCaFile.empty()) {
    throw ConfigError(prefix + ".tls.requireClientCertificate = true needs " + prefix +
                      ".tls.clientCaFile, the CA that signs the client certificates");
  }
  const http::ListenerOptions plainHttp =
      readListener(reader, prefix, "http", defaults.httpPort, defaults.maxThreads);

  if (reader.getBool(prefix + ".https.enabled", defaults.httpsEnabled)) {
    if (tls.certificateFile.empty() || tls.privateKeyFile.empty()) {
      throw ConfigError("HTTPS needs " + prefix + ".tls.certificateFile and " + prefix +
                        ".tls.privateKeyFile (or " + prefix + ".https.enabled = false)");
    }
    https.tls = tls;
    endpoints.https = https;
  }
  if (reader.getBool(prefix + ".http.enabled", false)) endpoints.plainHttp = plainHttp;
  if (defaults.required && !endpoints.https && !endpoints.plainHttp) {
    throw ConfigError("both " + prefix + ".https.enabled and " + prefix +
                      ".http.enabled are false: nothing to serve");
  }
  return endpoints;
}

}  // namespace cpe::config
