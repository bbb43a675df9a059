#include "cpe/server/http/endpoint_servers.h"

namespace cpe::http {

EndpointServers::EndpointServers(const config::Endpoints& endpoints,
                                 const FactoryMaker& makeFactory, Poco::Logger& log) {
  if (endpoints.https) {
    https_ = std::make_unique<Listener>(*endpoints.https, makeFactory());
    log.information("serving HTTPS on %s:%hu", endpoints.https->host, https_->port());
  }
  if (endpoints.plainHttp) {
    plainHttp_ = std::make_unique<Listener>(*endpoints.plainHttp, makeFactory());
    log.information("serving HTTP on %s:%hu", endpoints.plainHttp->host, plainHttp_->port());
  }
}

std::map<std::string, std::uint16_t> EndpointServers::ports() const {
  std::map<std::string, std::uint16_t> ports;
  if (https_) ports["https"] = https_->port();
  if (plainHttp_) ports["http"] = plainHttp_->port();
  return ports;
}

void EndpointServers::stop() {
  if (plainHttp_) plainHttp_->stop();
  if (https_) https_->stop();
}

}  // namespace cpe::http
