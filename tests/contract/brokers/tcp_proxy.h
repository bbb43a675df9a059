#pragma once

#include <atomic>
#include <thread>

namespace cpe::testing {

// A TCP relay on 127.0.0.1 in front of the broker, that a test can freeze:
// while frozen nothing is forwarded either way and new connections are not
// accepted (the kernel still completes their handshake), so the broker looks
// alive to TCP but silent to AMQP, as a hung server or a black-holed network
// does. Any protocol; plain TCP.
class TcpProxy {
 public:
  explicit TcpProxy(int upstreamPort);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }
  void freeze(bool frozen) { frozen_ = frozen; }

 private:
  void run();

  int upstreamPort_;
  int listenFd_ = -1;
  int port_ = 0;
  std::atomic<bool> frozen_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace cpe::testing
