#include "api_client.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/String.h>

#include <memory>

namespace cpe::ctl {
namespace {

// B's answers are small (a history page of 100 tasks is about 15 KiB):
// anything larger is not B, and is not read into memory.
constexpr std::size_t kLargestAnswer = std::size_t{1024} * 1024;
// What a path segment may not hold as it is: everything with a meaning in
// a URI, so that no operand can leave its segment.
constexpr const char* kUriReserved = "/?#[]@!$&'()*+,;=:%";
constexpr const char* kApiPrefix = "/api/v1/equipment/cpe/";

std::string encoded(const std::string& text, const char* reserved) {
  std::string out;
  Poco::URI::encode(text, reserved, out);
  return out;
}

Poco::Timespan timespan(std::chrono::seconds seconds) {
  return Poco::Timespan(static_cast<long>(seconds.count()), 0);
}

Poco::JSON::Object::Ptr parseObject(const std::string& body) {
  if (body.empty()) return nullptr;
  try {
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception&) {
    return nullptr;
  } catch (const std::exception&) {  // Poco::BadCastException escapes as std::bad_cast
    return nullptr;
  }
}

ApiReply readAnswer(Poco::Net::HTTPClientSession& session) {
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  ApiAnswer answer;
  answer.httpStatus = static_cast<int>(response.getStatus());
  for (const auto& [name, value] : response) answer.headers[Poco::toLower(name)] = value;
  answer.body.resize(kLargestAnswer + 1);
  in.read(answer.body.data(), static_cast<std::streamsize>(answer.body.size()));
  answer.body.resize(static_cast<std::size_t>(in.gcount()));
  if (answer.body.size() > kLargestAnswer) {
    return TransportError{"an answer over 1 MiB: not service B"};
  }
  answer.json = parseObject(answer.body);
  return answer;
}

}  // namespace

int ApiAnswer::code() const {
  if (!json.isNull() && json->has("code")) {
    const Poco::Dynamic::Var code = json->get("code");
    if (code.isInteger()) return code.convert<int>();
  }
  return httpStatus;
}

std::string ApiAnswer::message() const {
  if (json.isNull() || !json->has("message")) return "";
  const Poco::Dynamic::Var message = json->get("message");
  return message.isString() ? message.extract<std::string>() : "";
}

std::optional<std::string> ApiAnswer::header(const std::string& name) const {
  const auto it = headers.find(Poco::toLower(name));
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::string describeAnswer(const ApiAnswer& answer) {
  const std::string message = answer.message();
  if (message.empty()) {
    return "HTTP " + std::to_string(answer.httpStatus) + " without the contract's JSON answer";
  }
  return std::to_string(answer.code()) + " " + message;
}

Poco::Net::Context::Ptr makeTlsContext(const std::string& caFile) {
  Poco::Net::Context::Params params;
  params.caLocation = caFile;
  params.loadDefaultCAs = caFile.empty();
  params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
  Poco::Net::Context::Ptr context =
      new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
  context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  return context;
}

ApiClient::ApiClient(const std::string& url, Poco::Net::Context::Ptr tls,
                     std::optional<std::string> token, ClientTimeouts timeouts)
    : base_(url), tls_(std::move(tls)), token_(std::move(token)), timeouts_(timeouts) {}

std::string ApiClient::devicePath(const std::string& device) const {
  std::string path = base_.getPath();
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path + kApiPrefix + encoded(device, kUriReserved);
}

ApiReply ApiClient::createTask(const std::string& device, const std::string& body,
                               const std::optional<std::string>& idempotencyKey) const {
  std::map<std::string, std::string> headers;
  if (idempotencyKey) headers["Idempotency-Key"] = *idempotencyKey;
  return exchange(Poco::Net::HTTPRequest::HTTP_POST, devicePath(device), body, headers,
                  std::chrono::seconds(0));
}

ApiReply ApiClient::taskStatus(const std::string& device, const std::string& task,
                               std::optional<int> waitSeconds) const {
  std::string path = devicePath(device) + "/task/" + encoded(task, kUriReserved);
  if (waitSeconds) path += "?waitSeconds=" + std::to_string(*waitSeconds);
  return exchange(Poco::Net::HTTPRequest::HTTP_GET, path, "", {},
                  std::chrono::seconds(waitSeconds.value_or(0)));
}

ApiReply ApiClient::history(const std::string& device, std::optional<std::int64_t> limit,
                            const std::optional<std::string>& after) const {
  std::string query;
  if (limit) query += "limit=" + std::to_string(*limit);
  if (after) {
    query += (query.empty() ? "" : "&") + std::string("after=") + encoded(*after, kUriReserved);
  }
  const std::string path = devicePath(device) + "/tasks" + (query.empty() ? "" : "?" + query);
  return exchange(Poco::Net::HTTPRequest::HTTP_GET, path, "", {}, std::chrono::seconds(0));
}

ApiReply ApiClient::exchange(const std::string& method, const std::string& pathAndQuery,
                             const std::string& body,
                             const std::map<std::string, std::string>& headers,
                             std::chrono::seconds extraWait) const {
  const std::string where = base_.toString();
  try {
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (base_.getScheme() == "https") {
      session =
          std::make_unique<Poco::Net::HTTPSClientSession>(base_.getHost(), base_.getPort(), tls_);
    } else {
      session = std::make_unique<Poco::Net::HTTPClientSession>(base_.getHost(), base_.getPort());
    }
    const std::chrono::seconds answerWithin = timeouts_.answer + extraWait;
    session->setTimeout(timespan(timeouts_.connect), timespan(answerWithin),
                        timespan(answerWithin));
    Poco::Net::HTTPRequest request(method, pathAndQuery, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setKeepAlive(false);  // one request per connection
    request.set("Accept", "application/json");
    request.set("User-Agent", std::string("cpe-ctl/") + CPE_VERSION);
    if (token_) request.set("Authorization", "Bearer " + *token_);
    for (const auto& [name, value] : headers) request.set(name, value);
    if (method == Poco::Net::HTTPRequest::HTTP_POST) {
      request.setContentType("application/json");
      request.setContentLength64(static_cast<Poco::Int64>(body.size()));
    }
    session->sendRequest(request) << body;
    return readAnswer(*session);
  } catch (const Poco::Net::ConnectionRefusedException&) {
    return TransportError{"cannot connect to " + where + ": connection refused"};
  } catch (const Poco::TimeoutException&) {
    return TransportError{"no answer from " + where + " in time"};
  } catch (const Poco::Net::SSLException& error) {
    return TransportError{"TLS with " + where + " failed: " + error.displayText()};
  } catch (const Poco::Exception& error) {
    return TransportError{"request to " + where + " failed: " + error.displayText()};
  } catch (const std::exception& error) {
    return TransportError{"request to " + where + " failed: " + error.what()};
  }
}

}  // namespace cpe::ctl
