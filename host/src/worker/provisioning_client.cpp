#include "worker/provisioning_client.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>
#include <sys/socket.h>

#include <sstream>

#include "cpe/api_paths.h"
#include "cpe/json_answer.h"
#include "cpe/provisioning_request.h"
#include "cpe/sdk/mutex.h"

namespace cpe::host {
namespace {

// A's answers are tiny; anything bigger is not A.
constexpr std::streamsize kMaxAnswerBytes = std::streamsize{64} * 1024;

CallOutcome retryable(std::string reason) {
  CallOutcome outcome;
  outcome.kind = CallOutcome::Kind::kRetryable;
  outcome.reason = std::move(reason);
  return outcome;
}

bool isTransientStatus(int status) { return status == 502 || status == 503 || status == 504; }

// A's documented answers carry {"code","message"}. A 200 or a 404 decides
// the task's outcome for good, so it counts only with A's own answer, its
// code matching the status: a proxy's error page, a garbage body or a head
// cut off by a closed connection (Poco reads it as a whole answer with no
// body) is no answer, and is retried. Other statuses fail the task; a body
// we cannot read then still leaves the status as A's verdict.
CallOutcome answered(int status, const std::string& body) {
  CallOutcome outcome;
  outcome.kind = CallOutcome::Kind::kAnswered;
  outcome.code = status;
  bool codeMatches = false;
  try {
    const auto json = Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
    outcome.message = json->optValue<std::string>("message", "");
    codeMatches = json->optValue<int>("code", 0) == status;
  } catch (const Poco::Exception&) {
  }
  if ((status == 200 || status == 404) && !codeMatches) {
    return retryable("A answered HTTP " + std::to_string(status) +
                     " without its JSON answer (code " + std::to_string(status) + ")");
  }
  if (outcome.message.empty()) {
    outcome.message = std::string(status == 200   ? answers::kSuccess
                                  : status == 404 ? answers::kEquipmentNotFound
                                                  : answers::kProvisioningFailed);
  }
  return outcome;
}

}  // namespace

Poco::Net::Context::Ptr makeClientContext(const WorkerOptions& options) {
  if (Poco::URI(options.serviceUrl).getScheme() != "https") return nullptr;
  Poco::Net::Context::Params params;
  params.caLocation = options.caFile;
  params.loadDefaultCAs = options.caFile.empty();
  params.verificationMode =
      options.verifyPeer ? Poco::Net::Context::VERIFY_STRICT : Poco::Net::Context::VERIFY_NONE;
  params.certificateFile = options.clientCertificateFile;
  params.privateKeyFile = options.clientKeyFile;
  Poco::Net::Context::Ptr context =
      new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
  context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  return context;
}

ProvisioningClient::ProvisioningClient(const WorkerOptions& options, Poco::Net::Context::Ptr tls,
                                       CallDeadlines& deadlines)
    : base_(options.serviceUrl),
      tls_(std::move(tls)),
      idleReuse_(options.idleConnectionReuse),
      deadlines_(deadlines) {}

std::unique_ptr<Poco::Net::HTTPClientSession> ProvisioningClient::newSession(
    std::chrono::milliseconds timeout) const {
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (tls_) {
    session =
        std::make_unique<Poco::Net::HTTPSClientSession>(base_.getHost(), base_.getPort(), tls_);
  } else {
    session = std::make_unique<Poco::Net::HTTPClientSession>(base_.getHost(), base_.getPort());
  }
  session->setTimeout(Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(timeout.count()) *
                                     Poco::Timespan::MILLISECONDS));
  session->setKeepAlive(true);
  // Poco reconnects a session whose last request was sent longer ago than
  // this (8 s by default): with A holding calls longer than that, every call
  // would open a connection of its own. call() decides reuse by idle time.
  session->setKeepAliveTimeout(
      Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>((timeout + idleReuse_).count() + 1000) *
                     Poco::Timespan::MILLISECONDS));
  return session;
}

CallOutcome ProvisioningClient::call(const Task& task, std::chrono::milliseconds timeout) {
  Poco::Net::HTTPClientSession* session = nullptr;
  {
    MutexLock lock(sessionMutex_);
    if (aborted_) return retryable("not called: the worker is stopping");
    // A socket takes its timeouts when it connects: a call with another
    // timeout (near the task's hold bound) gets a connection of its own.
    if (!session_ || sessionTimeout_ != timeout || Clock::now() - lastAnswer_ > idleReuse_) {
      session_ = newSession(timeout);
      sessionTimeout_ = timeout;
    }
    session = session_.get();
    cutShort_ = false;
  }
  const CallDeadlines::Ticket ticket =
      deadlines_.arm(CallDeadlines::Clock::now() + timeout, [this] { cutShort(); });
  CallOutcome outcome = exchange(*session, task);
  deadlines_.disarm(ticket);
  MutexLock lock(sessionMutex_);
  lastAnswer_ = Clock::now();
  if (cutShort_) {
    session_.reset();  // cut: never reused
    return retryable("A did not finish answering within the call timeout (" +
                     std::to_string(timeout.count()) + " ms)");
  }
  return outcome;
}

CallOutcome ProvisioningClient::exchange(Poco::Net::HTTPClientSession& session, const Task& task) {
  const std::string body = provisioningBody(task.timeoutInSeconds, task.parametersJson);
  std::string path = base_.getPath();
  if (!path.empty() && path.back() == '/') path.pop_back();
  path += equipmentPath(task.equipmentId);
  try {
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/json");
    request.setContentLength64(static_cast<Poco::Int64>(body.size()));
    request.setKeepAlive(true);
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    std::string answer(static_cast<std::size_t>(kMaxAnswerBytes), '\0');
    in.read(answer.data(), kMaxAnswerBytes);
    answer.resize(static_cast<std::size_t>(in.gcount()));
    const int status = static_cast<int>(response.getStatus());
    if (!response.getKeepAlive() || in.gcount() == kMaxAnswerBytes) session.reset();
    if (isTransientStatus(status)) return retryable("A answered HTTP " + std::to_string(status));
    CallOutcome outcome = answered(status, answer);
    // Not A's answer: whatever sent it may have left the connection broken.
    if (outcome.kind == CallOutcome::Kind::kRetryable) session.reset();
    return outcome;
  } catch (const Poco::Exception& error) {
    MutexLock lock(sessionMutex_);
    session_.reset();  // a broken connection is never reused
    return retryable(error.displayText());
  } catch (const std::exception& error) {
    MutexLock lock(sessionMutex_);
    session_.reset();
    return retryable(error.what());
  }
}

void ProvisioningClient::abort() noexcept {
  MutexLock lock(sessionMutex_);
  aborted_ = true;
  shutDownSocketLocked();
}

void ProvisioningClient::cutShort() noexcept {
  MutexLock lock(sessionMutex_);
  cutShort_ = true;
  shutDownSocketLocked();
}

void ProvisioningClient::shutDownSocketLocked() noexcept {
  if (!session_) return;
  const poco_socket_t fd = session_->socket().impl()->sockfd();
  // Not connected (yet, or any more): nothing in flight to cut.
  if (fd != POCO_INVALID_SOCKET) ::shutdown(fd, SHUT_RDWR);
}

}  // namespace cpe::host
