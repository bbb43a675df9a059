#include "https_client.h"

#include "answer_log.h"

#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <memory>
#include <sstream>

namespace cpe::testing {

constexpr int kRequestTimeoutSeconds = 120;

Poco::JSON::Object::Ptr HttpResult::json() const {
  return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
}

TestClient::TestClient(std::string host, std::uint16_t port, const std::string& caFile,
                       std::string bearerToken, const std::string& certificateFile,
                       const std::string& keyFile)
    : host_(std::move(host)), port_(port), bearerToken_(std::move(bearerToken)) {
  if (caFile.empty()) return;
  Poco::Net::Context::Params params;
  params.caLocation = caFile;
  params.certificateFile = certificateFile;
  params.privateKeyFile = keyFile;
  params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
  params.loadDefaultCAs = false;
  tls_ = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
}

HttpResult TestClient::request(const std::string& method, const std::string& path,
                               const std::string& body,
                               const std::map<std::string, std::string>& headers) const {
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (tls_) {
    session = std::make_unique<Poco::Net::HTTPSClientSession>(host_, port_, tls_);
  } else {
    session = std::make_unique<Poco::Net::HTTPClientSession>(host_, port_);
  }
  session->setTimeout(Poco::Timespan(kRequestTimeoutSeconds, 0));

  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!bearerToken_.empty()) request.set("Authorization", "Bearer " + bearerToken_);
  for (const auto& [name, value] : headers) request.set(name, value);
  if (!body.empty() || method == "POST") {
    request.setContentType("application/json");
    request.setContentLength64(static_cast<Poco::Int64>(body.size()));
  }
  session->sendRequest(request) << body;

  Poco::Net::HTTPResponse response;
  std::istream& in = session->receiveResponse(response);
  HttpResult result;
  result.status = static_cast<int>(response.getStatus());
  for (const auto& [name, value] : response) result.headers[name] = value;
  std::ostringstream content;
  Poco::StreamCopier::copyStream(in, content);
  result.body = content.str();
  recordAnswer(port_, method, path, result);
  return result;
}

std::string plainExchange(std::uint16_t port, const std::string& request,
                          const Poco::Timespan& wait) {
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port));
  socket.sendBytes(request.data(), static_cast<int>(request.size()));
  socket.setReceiveTimeout(wait);
  std::string answer;
  try {
    char buffer[4096];
    for (int n; (n = socket.receiveBytes(buffer, sizeof buffer)) > 0;) answer.append(buffer, n);
  } catch (const Poco::TimeoutException&) {
    // Nothing more within `wait`: what came is the answer.
  }
  std::istringstream requestLine(request.substr(0, request.find("\r\n")));
  std::string method;
  std::string target;
  requestLine >> method >> target;
  recordRawAnswer(port, method, target, answer);
  return answer;
}

}  // namespace cpe::testing
