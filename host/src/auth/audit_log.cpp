#include "auth/audit_log.h"

#include <Poco/Logger.h>

#include "cpe/log_fields.h"
#include "cpe/log_text.h"

namespace cpe::host::auth {
namespace {

Poco::Logger& auditLogger() { return Poco::Logger::get("audit"); }

}  // namespace

PostAudit::PostAudit(const Poco::Net::HTTPServerRequest& request, std::string caller,
                     std::string_view deviceId)
    : caller_(caller.empty() ? "-" : std::move(caller)),
      client_(request.clientAddress().toString()),
      deviceId_(sanitizeForLog(deviceId, kMaxLoggedIdLength)) {}

void PostAudit::accepted(std::string_view taskId) const {
  FieldLog(auditLogger(), taskId, deviceId_)
      .information("POST device %s accepted as task %s (caller %s, client %s)", deviceId_,
                   std::string(taskId), caller_, client_);
}

void PostAudit::refused(int code, std::string_view reason) const {
  FieldLog(auditLogger(), {}, deviceId_)
      .information("POST device %s refused %d: %s (caller %s, client %s)", deviceId_, code,
                   std::string(reason), caller_, client_);
}

}  // namespace cpe::host::auth
