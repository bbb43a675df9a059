#pragma once

#include <Poco/Net/HTTPRequestHandler.h>

#include <optional>
#include <string>

#include "auth/access_control.h"

namespace cpe::host::auth {

// Answers a request AccessControl refused: 401 with WWW-Authenticate, 403,
// or 429 with Retry-After, under every status-line policy. A refused POST
// of a task is audited (`auditedDevice`).
class RefusalHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  RefusalHandler(Verdict verdict, std::optional<std::string> auditedDevice)
      : verdict_(std::move(verdict)), auditedDevice_(std::move(auditedDevice)) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override;

 private:
  Verdict verdict_;
  std::optional<std::string> auditedDevice_;
};

}  // namespace cpe::host::auth
