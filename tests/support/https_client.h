#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/Net/Context.h>
#include <Poco/Timespan.h>

#include <cstdint>
#include <map>
#include <string>

namespace cpe::testing {

struct HttpResult {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;

  // The body as a JSON object; throws if it is not one.
  Poco::JSON::Object::Ptr json() const;
};

// A client for tests: one request per call, a fresh connection each time, so
// calls from many threads never share state. HTTPS verifies the server
// against `caFile` (strict, host name included); an empty caFile means HTTP.
// With a `bearerToken`, every request sends it (Authorization: Bearer)
// unless the request's own headers name an Authorization; with a
// `certificateFile` and `keyFile`, HTTPS shows that client certificate.
class TestClient {
 public:
  TestClient(std::string host, std::uint16_t port, const std::string& caFile,
             std::string bearerToken = {}, const std::string& certificateFile = {},
             const std::string& keyFile = {});

  HttpResult request(const std::string& method, const std::string& path,
                     const std::string& body = "",
                     const std::map<std::string, std::string>& headers = {}) const;
  HttpResult post(const std::string& path, const std::string& body) const {
    return request("POST", path, body);
  }
  HttpResult get(const std::string& path) const { return request("GET", path); }

 private:
  std::string host_;
  std::uint16_t port_;
  Poco::Net::Context::Ptr tls_;  // null for plain HTTP
  std::string bearerToken_;
};

// Sends `request` as it is over plain HTTP to 127.0.0.1:`port`, and reads
// what comes back until the server closes or `wait` passes without more:
// for requests no client library would send.
std::string plainExchange(std::uint16_t port, const std::string& request,
                          const Poco::Timespan& wait);

}  // namespace cpe::testing
