#pragma once

#include <optional>
#include <string>

#include "cpe/server/config/config_reader.h"
#include "cpe/server/http/listener.h"

namespace cpe::config {

// A service's HTTPS endpoint and optional plain-HTTP endpoint.
struct Endpoints {
  std::optional<http::ListenerOptions> https;      // unset when <prefix>.https.enabled = false
  std::optional<http::ListenerOptions> plainHttp;  // set when <prefix>.http.enabled = true
};

struct EndpointDefaults {
  int httpsPort;
  int httpPort;
  int maxThreads;
  bool httpsEnabled = true;  // <prefix>.https.enabled when unset (plain HTTP: always false)
  bool required = true;      // whether both endpoints off is an error
};

// Reads the keys every cpe server shares, under `prefix` (e.g. "stub"):
//   <prefix>.https.{enabled,host,port}  <prefix>.tls.{certificateFile,privateKeyFile,cipherList,
//                                         clientCaFile,requireClientCertificate}
//   <prefix>.http.{enabled,host,port}   <prefix>.server.{maxThreads,maxQueued,
//                                         keepAliveTimeoutSeconds,receiveTimeoutSeconds,
//                                         requestHeadTimeoutSeconds,
//                                         requestBodyTimeoutSeconds,maxHeaderFields,
//                                         maxHeaderBytes}
// (meanings and defaults: http::ListenerOptions)
// Keys of a disabled endpoint are still read (and so known), so a config can
// switch one off without deleting its settings. Throws ConfigError when HTTPS
// lacks its files, or both endpoints are off and `defaults.required`.
Endpoints readEndpoints(ConfigReader& reader, const std::string& prefix,
                        const EndpointDefaults& defaults);

}  // namespace cpe::config
