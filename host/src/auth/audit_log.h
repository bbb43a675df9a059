#pragma once

#include <Poco/Net/HTTPServerRequest.h>

#include <string>
#include <string_view>

namespace cpe::host::auth {

// One line per POST of a task, accepted or refused, on the logger "audit":
// who asked (the caller's name, never its token), for which device, from
// which address, and the task id or why it was refused. Never the body.
class PostAudit {
 public:
  PostAudit(const Poco::Net::HTTPServerRequest& request, std::string caller,
            std::string_view deviceId);

  void accepted(std::string_view taskId) const;
  void refused(int code, std::string_view reason) const;

 private:
  std::string caller_;
  std::string client_;
  std::string deviceId_;
};

}  // namespace cpe::host::auth
