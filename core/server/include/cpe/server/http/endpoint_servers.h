#pragma once

#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "cpe/server/config/endpoint_config.h"
#include "cpe/server/http/listener.h"

namespace cpe::http {

// The running listeners of a service: HTTPS and/or plain HTTP, each with its
// own handler factory (Poco takes ownership of one per server).
class EndpointServers {
 public:
  using FactoryMaker = std::function<Poco::Net::HTTPRequestHandlerFactory::Ptr()>;

  // Starts every configured endpoint and logs where it serves. Throws
  // Poco::Exception (bad TLS files, port in use) with the reason.
  EndpointServers(const config::Endpoints& endpoints, const FactoryMaker& makeFactory,
                  Poco::Logger& log);

  // {"https": port, "http": port} for the endpoints that run.
  std::map<std::string, std::uint16_t> ports() const;
  // Stops accepting and waits for running handlers; idempotent.
  void stop();

 private:
  std::unique_ptr<Listener> https_;
  std::unique_ptr<Listener> plainHttp_;
};

}  // namespace cpe::http
