#include "request_loop.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Timestamp.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>

namespace cpe::http {
namespace {

using Clock = std::chrono::steady_clock;

// Poco's server session, with its read buffer's fill level in view: a
// request already buffered is not waited for.
class Session final : public Poco::Net::HTTPServerSession {
 public:
  using HTTPServerSession::HTTPServerSession;
  using HTTPSession::buffered;
};

// Whether input (or the peer's close) arrives on `fd` within `timeout`.
bool readableWithin(poco_socket_t fd, const Poco::Timespan& timeout) {
  pollfd watched{fd, POLLIN, 0};
  const auto deadline = Clock::now() + std::chrono::microseconds(timeout.totalMicroseconds());
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    const int ready = ::poll(&watched, 1, static_cast<int>(std::max<decltype(left)>(left, 0)));
    if (ready >= 0) return ready > 0;
    if (errno != EINTR) return false;
  }
}

void sendErrorResponse(Poco::Net::HTTPServerSession& session,
                       Poco::Net::HTTPResponse::HTTPStatus status) {
  Poco::Net::HTTPServerResponseImpl response(session);
  response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
  response.setStatusAndReason(status);
  response.setKeepAlive(false);
  response.send();
  session.setKeepAlive(false);
}

// Serves one request. `mayKeepAlive` is false for the connection's last
// allowed request: its answer then says "Connection: close", so the client
// sends nothing more that would be lost when the connection closes.
void serveOne(Session& session, Poco::Net::HTTPServerParams& params,
              Poco::Net::HTTPRequestHandlerFactory& factory, bool mayKeepAlive) {
  Poco::Net::HTTPServerResponseImpl response(session);
  Poco::Net::HTTPServerRequestImpl request(response, session, &params);
  response.setDate(Poco::Timestamp());
  response.setVersion(request.getVersion());
  response.setKeepAlive(params.getKeepAlive() && request.getKeepAlive() && mayKeepAlive);
  const std::string& server = params.getSoftwareVersion();
  if (!server.empty()) response.set("Server", server);
  try {
    const std::unique_ptr<Poco::Net::HTTPRequestHandler> handler(
        factory.createRequestHandler(request));
    if (!handler) {
      sendErrorResponse(session, Poco::Net::HTTPResponse::HTTP_NOT_IMPLEMENTED);
      return;
    }
    if (request.getExpectContinue() && response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK) {
      response.sendContinue();
    }
    handler->handleRequest(request, response);
    session.setKeepAlive(params.getKeepAlive() && response.getKeepAlive() && mayKeepAlive);
  } catch (const Poco::Exception&) {
    if (!response.sent()) {
      try {
        sendErrorResponse(session, Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
      } catch (...) {
        // The first error is the one to report.
      }
    }
    throw;
  }
}

}  // namespace

void serveRequests(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
                   Poco::Net::HTTPRequestHandlerFactory& factory) {
  Session session(socket, params);
  const poco_socket_t fd = socket.impl()->sockfd();
  // At most this many requests per connection; 0 (or less): no limit.
  const auto mostRequests =
      static_cast<std::uint64_t>(std::max(params->getMaxKeepAliveRequests(), 0));
  for (std::uint64_t served = 0;; ++served) {
    if (served == 0) {
      if (!readableWithin(fd, session.getTimeout())) return;
    } else {
      if (!session.getKeepAlive()) return;  // false after the last allowed request
      if (session.buffered() == 0 && !readableWithin(fd, params->getKeepAliveTimeout())) return;
    }
    try {
      serveOne(session, *params, factory, mostRequests == 0 || served + 1 < mostRequests);
    } catch (const Poco::Net::NoMessageException&) {
      return;  // the peer closed between requests
    } catch (const Poco::Net::MessageException&) {
      sendErrorResponse(session, Poco::Net::HTTPResponse::HTTP_BAD_REQUEST);
    } catch (const Poco::Exception&) {
      if (session.networkException()) session.networkException()->rethrow();
      throw;
    }
  }
}

}  // namespace cpe::http
