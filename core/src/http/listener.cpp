#include "cpe/http/listener.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

namespace cpe::http {
namespace {

// Listen backlog for the kernel's accept queue; bursts of connects beyond the
// thread pool land in maxQueued after accept().
constexpr int kListenBacklog = 1024;

Poco::Net::Context::Ptr makeServerContext(const TlsServerOptions& tls) {
  Poco::Net::Context::Params params;
  params.privateKeyFile = tls.privateKeyFile;
  params.certificateFile = tls.certificateFile;
  params.verificationMode = Poco::Net::Context::VERIFY_NONE;  // no client certificates
  params.loadDefaultCAs = false;
  params.cipherList = tls.cipherList;
  Poco::Net::Context::Ptr context =
      new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
  context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  context->preferServerCiphers();
  return context;
}

Poco::Net::ServerSocket openSocket(const ListenerOptions& options) {
  const Poco::Net::SocketAddress address(options.host, options.port);
  if (options.tls) {
    Poco::Net::SecureServerSocket socket(makeServerContext(*options.tls));
    socket.bind(address, /*reuseAddress=*/true);
    socket.listen(kListenBacklog);
    return socket;
  }
  Poco::Net::ServerSocket socket;
  socket.bind(address, /*reuseAddress=*/true);
  socket.listen(kListenBacklog);
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

}  // namespace

Listener::Listener(const ListenerOptions& options,
                   Poco::Net::HTTPRequestHandlerFactory::Ptr factory)
    : pool_(std::make_unique<Poco::ThreadPool>(/*minCapacity=*/2, options.maxThreads,
                                               /*idleTime=*/60, options.threadStackBytes)),
      tls_(options.tls.has_value()) {
  Poco::Net::ServerSocket socket = openSocket(options);
  port_ = socket.address().port();
  server_ = std::make_unique<Poco::Net::HTTPServer>(factory, *pool_, socket, serverParams(options));
  server_->start();
}

Listener::~Listener() { stop(); }

void Listener::stop() {
  if (stopped_) return;
  stopped_ = true;
  // Abort idle keep-alive connections too; otherwise stopping waits for each
  // of them to time out. Callers release long-running handlers first.
  server_->stopAll(/*abortCurrent=*/true);
  pool_->joinAll();
}

}  // namespace cpe::http
