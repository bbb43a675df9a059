#include "cpe/server/http/listener.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>

#include "connection_deadlines.h"
#include "cpe/server/http/bounded_body.h"
#include "cpe/server/http/json_response.h"
#include "request_loop.h"

namespace cpe::http {
namespace {

using Seconds = std::chrono::seconds;

// Listen backlog for the kernel's accept queue, at least; bursts of connects
// beyond the thread pool land in maxQueued after accept(). A server sized for
// more queued connections gets a backlog as deep (the kernel caps it at
// net.core.somaxconn): thousands of clients connecting at once must not
// find the queue full while the one acceptor thread catches up.
constexpr int kMinListenBacklog = 1024;

int listenBacklog(const ListenerOptions& options) {
  return std::max(kMinListenBacklog, options.maxQueued);
}

Poco::Net::Context::Ptr makeServerContext(const TlsServerOptions& tls) {
  Poco::Net::Context::Params params;
  params.privateKeyFile = tls.privateKeyFile;
  params.certificateFile = tls.certificateFile;
  params.loadDefaultCAs = false;
  if (tls.clientCaFile.empty()) {
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;  // no client certificates
  } else {
    // RELAXED asks for a certificate and checks one that comes; STRICT also
    // ends a handshake that brings none.
    params.caLocation = tls.clientCaFile;
    params.verificationMode = tls.requireClientCertificate ? Poco::Net::Context::VERIFY_STRICT
                                                           : Poco::Net::Context::VERIFY_RELAXED;
  }
  params.cipherList = tls.cipherList;
  Poco::Net::Context::Ptr context =
      new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
  context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  context->preferServerCiphers();
  // Poco's "extended" check matches a peer certificate against the peer's
  // host name: right for a client checking a server, meaningless for the
  // certificate of a client (which names a caller, not an address). The
  // chain is still checked against clientCaFile in the handshake.
  context->enableExtendedCertificateVerification(false);
  // A client-started renegotiation costs the server a handshake for every
  // request it sends (a cheap way to burn its CPU): OpenSSL 3 refuses it by
  // default, this keeps it refused whatever the library's default (the TLS
  // test checks it). Compression leaks secrets through the length of what is
  // sent (CRIME); Debian's OpenSSL has none built in, this says so anyway.
  SSL_CTX_set_options(context->sslContext(), SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  return context;
}

Poco::Net::ServerSocket openSocket(const ListenerOptions& options) {
  const Poco::Net::SocketAddress address(options.host, options.port);
  if (options.tls) {
    Poco::Net::SecureServerSocket socket(makeServerContext(*options.tls));
    socket.bind(address, /*reuseAddress=*/true);
    socket.listen(listenBacklog(options));
    return socket;
  }
  Poco::Net::ServerSocket socket;
  socket.bind(address, /*reuseAddress=*/true);
  socket.listen(listenBacklog(options));
  return socket;
}

Poco::Net::HTTPServerParams::Ptr serverParams(const ListenerOptions& options) {
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(options.maxThreads);
  params->setMaxQueued(options.maxQueued);
  params->setKeepAlive(true);
  params->setKeepAliveTimeout(Poco::Timespan(options.keepAliveTimeoutSeconds, 0));
  params->setMaxKeepAliveRequests(options.maxKeepAliveRequests);
  params->setTimeout(Poco::Timespan(options.receiveTimeoutSeconds, 0));
  return params;
}

// Answers a request whose head is over the configured limits, then closes.
class HeaderTooLargeHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    discardBody(request);
    response.setKeepAlive(false);
    sendMessage(response, 431, "Request header fields too large");
  }
};

// Re-arms the connection's deadline once the caller's handler has answered:
// the next request head has the keep-alive wait plus the head timeout.
class RearmingHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  RearmingHandler(Poco::Net::HTTPRequestHandler* inner, Seconds nextHeadLimit)
      : inner_(inner), nextHeadLimit_(nextHeadLimit) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    inner_->handleRequest(request, response);
    ConnectionDeadlines::arm(nextHeadLimit_);
  }

 private:
  std::unique_ptr<Poco::Net::HTTPRequestHandler> inner_;
  Seconds nextHeadLimit_;
};

std::size_t headBytes(const Poco::Net::HTTPServerRequest& request) {
  std::size_t bytes = request.getMethod().size() + request.getURI().size();
  for (const auto& [name, value] : request) bytes += name.size() + value.size();
  return bytes;
}

bool hasBody(const Poco::Net::HTTPServerRequest& request) {
  return request.getChunkedTransferEncoding() ||
         (request.hasContentLength() && request.getContentLength64() > 0);
}

// Poco calls the factory once a request head is read: the place to lift the
// head deadline and to enforce the header limits before the caller sees it.
class LimitingFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  LimitingFactory(Poco::Net::HTTPRequestHandlerFactory::Ptr inner, const ListenerOptions& options)
      : inner_(std::move(inner)),
        maxFields_(static_cast<std::size_t>(options.maxHeaderFields)),
        maxBytes_(static_cast<std::size_t>(options.maxHeaderBytes)),
        nextHeadLimit_(options.keepAliveTimeoutSeconds + options.requestHeadTimeoutSeconds),
        bodyLimit_(options.requestBodyTimeoutSeconds) {}

  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest& request) override {
    // The head is in; a body must follow within its own deadline, which
    // readBoundedBody()/discardBody() lift once they have it.
    if (hasBody(request)) {
      ConnectionDeadlines::arm(bodyLimit_);
    } else {
      ConnectionDeadlines::disarm();
    }
    if (request.size() > maxFields_ || headBytes(request) > maxBytes_) {
      return new HeaderTooLargeHandler;
    }
    Poco::Net::HTTPRequestHandler* handler = inner_->createRequestHandler(request);
    if (handler == nullptr) return nullptr;  // Poco answers 501 and closes
    return new RearmingHandler(handler, nextHeadLimit_);
  }

  // What HTTPServer::stopAll(true) does: every running connection closes,
  // idle keep-alive ones included (serverStopped is only ours to fire).
  void abortConnections() {
    bool abortCurrent = true;
    serverStopped(this, abortCurrent);
  }

 private:
  Poco::Net::HTTPRequestHandlerFactory::Ptr inner_;
  std::size_t maxFields_;
  std::size_t maxBytes_;
  Seconds nextHeadLimit_;
  Seconds bodyLimit_;
};

// Poco's HTTP connection, registered with the deadlines while it runs.
class GuardedConnection final : public Poco::Net::TCPServerConnection {
 public:
  GuardedConnection(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
                    Poco::Net::HTTPRequestHandlerFactory::Ptr factory,
                    ConnectionDeadlines& deadlines, Seconds headLimit)
      : TCPServerConnection(socket),
        params_(std::move(params)),
        factory_(std::move(factory)),
        deadlines_(deadlines),
        headLimit_(headLimit) {}

  void run() override {
    const ConnectionDeadlines::Scope scope(deadlines_, socket());
    ConnectionDeadlines::arm(headLimit_);
    serveRequests(socket(), params_, *factory_);
  }

 private:
  Poco::Net::HTTPServerParams::Ptr params_;
  Poco::Net::HTTPRequestHandlerFactory::Ptr factory_;
  ConnectionDeadlines& deadlines_;
  Seconds headLimit_;
};

class GuardedConnectionFactory final : public Poco::Net::TCPServerConnectionFactory {
 public:
  GuardedConnectionFactory(Poco::Net::HTTPServerParams::Ptr params,
                           Poco::Net::HTTPRequestHandlerFactory::Ptr factory,
                           ConnectionDeadlines& deadlines, Seconds headLimit)
      : params_(std::move(params)),
        factory_(std::move(factory)),
        deadlines_(deadlines),
        headLimit_(headLimit) {}

  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
    return new GuardedConnection(socket, params_, factory_, deadlines_, headLimit_);
  }

 private:
  Poco::Net::HTTPServerParams::Ptr params_;
  Poco::Net::HTTPRequestHandlerFactory::Ptr factory_;
  ConnectionDeadlines& deadlines_;
  Seconds headLimit_;
};

}  // namespace

// Poco's HTTPServer is a TCPServer with a fixed connection factory; building
// the TCPServer here lets each connection carry a deadline.
Listener::Listener(const ListenerOptions& options,
                   Poco::Net::HTTPRequestHandlerFactory::Ptr factory)
    : pool_(std::make_unique<Poco::ThreadPool>(/*minCapacity=*/2, options.maxThreads,
                                               /*idleTime=*/60, options.threadStackBytes)),
      deadlines_(std::make_unique<ConnectionDeadlines>()),
      factory_(new LimitingFactory(std::move(factory), options)),
      tls_(options.tls.has_value()) {
  Poco::Net::ServerSocket socket = openSocket(options);
  port_ = socket.address().port();
  const Poco::Net::HTTPServerParams::Ptr params = serverParams(options);
  server_ = std::make_unique<Poco::Net::TCPServer>(
      new GuardedConnectionFactory(params, factory_, *deadlines_,
                                   Seconds(options.requestHeadTimeoutSeconds)),
      *pool_, socket, params);
  server_->start();
}

Listener::~Listener() {
  try {
    stop();
  } catch (...) {
    // Poco could not stop its threads: handlers may still run on what is
    // being destroyed, so going on is not safe. An exception escaping the
    // destructor would end the process too; this says so.
    std::terminate();
  }
}

void Listener::stop() {
  if (stopped_) return;
  stopped_ = true;
  // Abort idle keep-alive connections too; otherwise stopping waits for each
  // of them to time out. Callers release long-running handlers first.
  server_->stop();
  static_cast<LimitingFactory&>(*factory_).abortConnections();  // the only kind factory_ holds
  pool_->joinAll();
}

}  // namespace cpe::http
