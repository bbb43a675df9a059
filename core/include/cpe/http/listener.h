#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/ThreadPool.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace cpe::http {

// Files and policy of a TLS server endpoint. TLS 1.2 is the minimum; peers
// are not asked for client certificates.
struct TlsServerOptions {
  std::string certificateFile;  // PEM, server certificate (chain)
  std::string privateKeyFile;   // PEM, unencrypted private key
  // OpenSSL cipher list for TLS 1.2 (TLS 1.3 suites are OpenSSL's defaults).
  std::string cipherList = "HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES";
};

// One HTTP or HTTPS listening endpoint and the limits that keep it healthy.
// Poco's HTTPServer holds one pool thread per open connection (keep-alive
// included), so maxThreads bounds both concurrent requests and connections.
struct ListenerOptions {
  std::string host = "127.0.0.1";       // loopback unless configured otherwise
  std::uint16_t port = 0;               // 0: the kernel picks a free port
  std::optional<TlsServerOptions> tls;  // unset: plain HTTP
  int maxThreads = 64;                  // connections served at once
  int maxQueued = 1000;                 // accepted connections waiting for a thread
  int keepAliveTimeoutSeconds = 15;
  int maxKeepAliveRequests = 1000;
  // A client that sends nothing for this long is disconnected (slow clients).
  int receiveTimeoutSeconds = 30;
  int threadStackBytes = 256 * 1024;  // handlers are shallow; keeps 1,000s of threads cheap
};

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
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  std::uint16_t port_ = 0;
  bool tls_ = false;
  bool stopped_ = false;
};

}  // namespace cpe::http
