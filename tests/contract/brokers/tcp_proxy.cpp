#include "tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <vector>

namespace cpe::testing {
namespace {

constexpr int kTickMs = 20;

sockaddr_in loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  return address;
}

int connectTo(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = loopback(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Copies what is readable on `from` to `to`; false at EOF or error.
bool forward(int from, int to) {
  char buffer[65536];
  const ssize_t got = read(from, buffer, sizeof buffer);
  if (got <= 0) return false;
  for (ssize_t sent = 0; sent < got;) {
    const ssize_t wrote = write(to, buffer + sent, static_cast<std::size_t>(got - sent));
    if (wrote <= 0) return false;
    sent += wrote;
  }
  return true;
}

}  // namespace

TcpProxy::TcpProxy(int upstreamPort) : upstreamPort_(upstreamPort) {
  listenFd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = loopback(0);
  socklen_t length = sizeof address;
  if (listenFd_ < 0 ||
      bind(listenFd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listenFd_, 16) != 0 ||
      getsockname(listenFd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (listenFd_ >= 0) close(listenFd_);
    throw std::runtime_error("tcp proxy: cannot listen on a loopback port");
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { run(); });
}

TcpProxy::~TcpProxy() {
  stopping_ = true;
  thread_.join();
  close(listenFd_);
}

void TcpProxy::run() {
  struct Link {
    int client;
    int upstream;
  };
  std::vector<Link> links;
  while (!stopping_) {
    std::vector<pollfd> fds;
    const bool frozen = frozen_;
    if (!frozen) {
      fds.push_back({listenFd_, POLLIN, 0});
      for (const Link& link : links) {
        fds.push_back({link.client, POLLIN, 0});
        fds.push_back({link.upstream, POLLIN, 0});
      }
    }
    if (poll(fds.data(), fds.size(), kTickMs) <= 0 || frozen) continue;

    std::vector<Link> alive;
    for (std::size_t i = 0; i < links.size(); ++i) {
      const Link link = links[i];
      bool open = true;
      if (fds[1 + 2 * i].revents != 0) open = forward(link.client, link.upstream);
      if (open && fds[2 + 2 * i].revents != 0) open = forward(link.upstream, link.client);
      if (open) {
        alive.push_back(link);
      } else {
        close(link.client);
        close(link.upstream);
      }
    }
    links.swap(alive);
    if (fds[0].revents != 0) {
      const int client = accept(listenFd_, nullptr, nullptr);
      const int upstream = client >= 0 ? connectTo(upstreamPort_) : -1;
      if (upstream >= 0) {
        links.push_back({client, upstream});
      } else if (client >= 0) {
        close(client);
      }
    }
  }
  for (const Link& link : links) {
    close(link.client);
    close(link.upstream);
  }
}

}  // namespace cpe::testing
