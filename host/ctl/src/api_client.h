#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/Net/Context.h>
#include <Poco/URI.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "ctl_options.h"

namespace cpe::ctl {

// An HTTP answer of service B, as it came.
struct ApiAnswer {
  int httpStatus = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case
  // The body as a JSON object; null when it is none (a bare 204, a proxy's
  // error page).
  Poco::JSON::Object::Ptr json;

  // The body's `code` when it carries an integer one, else the HTTP status:
  // the status-line policy (api-contract.md) may put 200 or 204 on the
  // status line, while the body's code always tells the outcome.
  int code() const;
  // The body's `message`; empty when there is none.
  std::string message() const;
  // A header by name, in any case.
  std::optional<std::string> header(const std::string& name) const;
};

// No answer at all: cannot connect, TLS refused, no answer in time, the
// connection cut mid-answer. `message` says which, for a person.
struct TransportError {
  std::string message;
};

using ApiReply = std::variant<ApiAnswer, TransportError>;

// An answer for a person: "400 parameters.vlan must be an integer from 1 to
// 4094", or "HTTP 502 without the contract's JSON answer".
std::string describeAnswer(const ApiAnswer& answer);

// How long a request may take, besides a long-poll's own wait.
struct ClientTimeouts {
  std::chrono::seconds connect{10};
  std::chrono::seconds answer{30};  // after the request is sent, plus waitSeconds
};

// The TLS settings of a client of B: the peer's certificate verified
// strictly, host name included, against `caFile` (empty: the system's CAs),
// TLS 1.2 at least. Throws Poco::Exception when `caFile` cannot be loaded.
Poco::Net::Context::Ptr makeTlsContext(const std::string& caFile);

// The three requests of B's API (docs/openapi/service-b.yaml), one
// connection each. Path segments are percent-encoded, so an operand can
// never change the path; the service judges whether an id is valid. With a
// token, every request carries "Authorization: Bearer <token>".
// One thread at a time.
class ApiClient {
 public:
  // `tls` is needed (non-null) for an https URL; `url` was checked by the
  // option parser.
  ApiClient(const std::string& url, Poco::Net::Context::Ptr tls, std::optional<std::string> token,
            ClientTimeouts timeouts = {});

  // POST …/cpe/{device} with `body`, and Idempotency-Key when given.
  ApiReply createTask(const std::string& device, const std::string& body,
                      const std::optional<std::string>& idempotencyKey) const;
  // GET …/cpe/{device}/task/{task}, with ?waitSeconds=N when given (1–60).
  ApiReply taskStatus(const std::string& device, const std::string& task,
                      std::optional<int> waitSeconds) const;
  // GET …/cpe/{device}/tasks with limit and after when given.
  ApiReply history(const std::string& device, std::optional<std::int64_t> limit,
                   const std::optional<std::string>& after) const;

  // The base URL, for messages.
  std::string url() const { return base_.toString(); }

 private:
  ApiReply exchange(const std::string& method, const std::string& pathAndQuery,
                    const std::string& body, const std::map<std::string, std::string>& headers,
                    std::chrono::seconds extraWait) const;
  std::string devicePath(const std::string& device) const;

  Poco::URI base_;
  Poco::Net::Context::Ptr tls_;
  std::optional<std::string> token_;
  ClientTimeouts timeouts_;
};

}  // namespace cpe::ctl
