#include "cpe/server/http/certificate_handlers.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>

namespace cpe::http {

void installRejectingCertificateHandlers() {
  // The contexts are Poco's defaults, never used: every client and listener
  // here makes its own. Only the handlers matter.
  Poco::Net::SSLManager& manager = Poco::Net::SSLManager::instance();
  manager.initializeClient(
      nullptr, new Poco::Net::RejectCertificateHandler(/*handleErrorsOnServerSide=*/false),
      new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, Poco::Net::Context::Params()));
  manager.initializeServer(
      nullptr, new Poco::Net::RejectCertificateHandler(/*handleErrorsOnServerSide=*/true),
      new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, Poco::Net::Context::Params()));
}

}  // namespace cpe::http
