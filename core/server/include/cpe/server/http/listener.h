#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/ThreadPool.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace cpe::http {

// Files and policy of a TLS server endpoint: TLS 1.2 minimum, TLS 1.3 on,
// no renegotiation, no compression; client certificates when a client CA is
// given (mutual TLS).
struct TlsServerOptions {
  std::string certificateFile;  // PEM, server certificate (chain)
  std::string privateKeyFile;   // PEM, unencrypted private key
  // OpenSSL cipher list for TLS 1.2 (TLS 1.3 suites, all forward-secret, are
  // OpenSSL's defaults). The default keeps forward secrecy: !kRSA drops the
  // static RSA key exchange, !PSK and !SRP the suites that need their own
  // secrets.
  std::string cipherList = "HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES:!kRSA:!PSK:!SRP";
  // PEM CA bundle that signs client certificates; empty: none are asked
  // for. A certificate it does not sign fails the handshake, before any
  // request is read.
  std::string clientCaFile;
  bool requireClientCertificate = false;  // with clientCaFile: no certificate, no handshake
};

// One HTTP or HTTPS listening endpoint and the limits that keep it healthy.
// Poco's HTTPServer holds one pool thread per open connection (keep-alive
// included), so maxThreads bounds both concurrent requests and connections.
struct ListenerOptions {
  std::string host = "127.0.0.1";       // loopback unless configured otherwise
  std::uint16_t port = 0;               // 0: the kernel picks a free port
  std::optional<TlsServerOptions> tls;  // unset: plain HTTP
  int maxThreads = 64;                  // connections served at once
  int maxQueued = 1000;  // accepted connections waiting for a thread; more are closed at once
  int keepAliveTimeoutSeconds = 15;
  int maxKeepAliveRequests = 1000;
  // A client that sends nothing for this long is disconnected. Poco restarts
  // it with every read, so it alone does not stop a client trickling bytes.
  int receiveTimeoutSeconds = 30;
  // A request head must arrive in full within this long of the connection's
  // start (TLS handshake included), or of the previous answer plus
  // keepAliveTimeoutSeconds; else the connection is cut (slow clients).
  int requestHeadTimeoutSeconds = 20;
  // A request body must arrive in full within this long of its head, or the
  // connection is cut (408 if an answer can still be sent).
  int requestBodyTimeoutSeconds = 30;
  // Requests with more header fields, or more bytes of method, URI, field
  // names and values, are answered 431 and the connection closed. Poco itself
  // refuses (400) more than 100 fields, a name over 256 bytes, a value over
  // 8 KiB or a URI over 16 KiB while reading, so memory stays bounded.
  int maxHeaderFields = 64;  // at most 100
  int maxHeaderBytes = 16 * 1024;
  int threadStackBytes = 256 * 1024;  // handlers are shallow; keeps 1,000s of threads cheap
};

class ConnectionDeadlines;  // core/src/http: cuts off clients too slow to send a request

// Starts serving on construction; stop() or the destructor stops accepting,
// and waits for running handlers to return.
class Listener {
 public:
  // Throws Poco::Exception (bad TLS files, port in use, …) with the reason.
  Listener(const ListenerOptions& options, Poco::Net::HTTPRequestHandlerFactory::Ptr factory);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // The port actually bound (useful when options.port was 0).
  std::uint16_t port() const { return port_; }
  bool isTls() const { return tls_; }
  void stop();

 private:
  // Declared in the order they are needed; the server goes first.
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<ConnectionDeadlines> deadlines_;
  Poco::Net::HTTPRequestHandlerFactory::Ptr factory_;  // the caller's, behind the limits
  std::unique_ptr<Poco::Net::TCPServer> server_;
  std::uint16_t port_ = 0;
  bool tls_ = false;
  bool stopped_ = false;
};

}  // namespace cpe::http
