// Hostile HTTP clients against a real cpe-host over HTTPS on loopback: slow
// clients, idle connections, oversized heads and floods. Each test starts a
// host with small limits of its own (-D settings), abuses it with raw
// sockets, then checks that a normal client is still served.
#include <Poco/JSON/Parser.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "answer_log.h"
#include "cpe/provisioning_request.h"
#include "https_client.h"
#include "running_services.h"
#include "test_paths.h"

namespace cpe::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// "Responsive" means answered within this, far above every timeout the tests
// configure; nothing here measures speed.
constexpr auto kResponsiveBound = 15s;

Poco::Net::Context::Ptr clientContext() {
  static const Poco::Net::Context::Ptr context = [] {
    Poco::Net::Context::Params params;
    params.caLocation = certDir() + "/ca.pem";
    params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;
    params.loadDefaultCAs = false;
    return Poco::Net::Context::Ptr(
        new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params));
  }();
  return context;
}

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// One GET on a fresh connection, each step limited to `timeout`; the HTTP
// status, or 0 when the connection failed or was closed (shed).
int getStatus(std::uint16_t port, const std::string& path, const Poco::Timespan& timeout) {
  try {
    Poco::Net::HTTPSClientSession session("127.0.0.1", port, clientContext());
    session.setTimeout(timeout);
    Poco::Net::HTTPRequest request("GET", path, Poco::Net::HTTPMessage::HTTP_1_1);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::istream& body = session.receiveResponse(response);
    std::ostringstream ignored;
    Poco::StreamCopier::copyStream(body, ignored);
    return static_cast<int>(response.getStatus());
  } catch (const Poco::Exception&) {
    return 0;
  }
}

// A normal client: GET /healthz, retried while the server sheds it, until it
// is answered 200 or `bound` passes. Returns the seconds it took, or -1.
double healthzWithin(std::uint16_t port, std::chrono::seconds bound = kResponsiveBound) {
  const auto start = Clock::now();
  while (Clock::now() - start < bound) {
    if (getStatus(port, "/healthz", Poco::Timespan(5, 0)) == 200) return secondsSince(start);
    std::this_thread::sleep_for(100ms);
  }
  return -1;
}

// True once the peer has closed the connection (end of stream, reset, or an
// answer followed by the end); waits at most `wait` for it.
bool closedByPeer(Poco::Net::StreamSocket& socket, const Poco::Timespan& wait) {
  try {
    if (!socket.poll(wait, Poco::Net::Socket::SELECT_READ)) return false;
    // Readable may mean a TLS session ticket only: do not block past `wait`.
    socket.setReceiveTimeout(wait);
    char buffer[4096];
    while (socket.receiveBytes(buffer, sizeof buffer) > 0) {
      // An answer (Poco's 400) may come before the end.
    }
    return true;
  } catch (const Poco::TimeoutException&) {
    return false;
  } catch (const Poco::Exception&) {
    return true;  // reset, or TLS ended without close_notify
  }
}

// Whether the kernel's TCP table (/proc/net/tcp, tcp6) shows the server side
// of every connection from `clientPorts` to `port` established, and none of
// them still waiting in the listening socket's accept queue (its rx_queue):
// the server process has accepted them all.
bool allAccepted(std::uint16_t port, const std::vector<std::uint16_t>& clientPorts) {
  const auto hexPort = [](std::uint16_t p) {
    std::ostringstream text;
    text << ':' << std::uppercase << std::hex << std::setfill('0') << std::setw(4) << p;
    return text.str();
  };
  const auto endsWith = [](const std::string& text, const std::string& tail) {
    return text.size() >= tail.size() &&
           text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
  };
  const std::string local = hexPort(port);
  std::optional<long> waitingToBeAccepted;
  std::size_t established = 0;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // the column names
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, localAddress, remoteAddress, state, queues;
      fields >> slot >> localAddress >> remoteAddress >> state >> queues;
      if (!endsWith(localAddress, local)) continue;
      if (state == "0A") {  // LISTEN
        waitingToBeAccepted = std::stol(queues.substr(queues.find(':') + 1), nullptr, 16);
        continue;
      }
      if (state != "01") continue;  // ESTABLISHED
      for (const std::uint16_t client : clientPorts) {
        if (endsWith(remoteAddress, hexPort(client))) ++established;
      }
    }
  }
  return waitingToBeAccepted == 0L && established == clientPorts.size();
}

bool awaitAccepted(std::uint16_t port, const std::vector<std::uint16_t>& clientPorts) {
  const auto deadline = Clock::now() + 30s;
  while (!allAccepted(port, clientPorts)) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// How long a trickling client waits to be cut off: the tests' deadlines are
// 2 s, and their settings leave nothing else that could end such a client
// this soon (the receive timeout never fires on a byte a second).
constexpr auto kCutWithin = 30s;

// Sends a request head one byte a second, never finishing it; returns the
// seconds from `connecting` (taken before the connection was opened, so the
// span holds the server's) until the server cut the connection, or -1 if it
// still had not after kCutWithin.
double trickleUntilCut(Poco::Net::StreamSocket& socket, Clock::time_point connecting) {
  const std::string head = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " +
                           std::string(100, 'a');  // ~2 minutes at a byte a second
  const auto start = connecting;
  for (std::size_t i = 0; i < head.size() && Clock::now() - start < kCutWithin; ++i) {
    try {
      socket.sendBytes(&head[i], 1);
    } catch (const Poco::Exception&) {
      return secondsSince(start);
    }
    if (closedByPeer(socket, Poco::Timespan(1, 0))) return secondsSince(start);
  }
  return -1;
}

// Sends a POST head whole, then its 200-byte body one byte a second; returns
// the seconds from `connecting` until the server cut the connection (-1 if it
// had not after kCutWithin) and in `answer` what it sent back.
double trickleBodyUntilCut(Poco::Net::StreamSocket& socket, Clock::time_point connecting,
                           std::string& answer) {
  const std::string head =
      "POST /api/v1/equipment/cpe/ABC123 HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
      std::string(kSuiteAuthorizationLine) +
      "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n";
  socket.sendBytes(head.data(), static_cast<int>(head.size()));
  const auto start = connecting;
  char buffer[4096];
  while (Clock::now() - start < kCutWithin) {
    try {
      if (socket.poll(Poco::Timespan(1, 0), Poco::Net::Socket::SELECT_READ)) {
        socket.setReceiveTimeout(Poco::Timespan(1, 0));
        for (int n; (n = socket.receiveBytes(buffer, sizeof buffer)) > 0;) answer.append(buffer, n);
        return secondsSince(start);
      }
      socket.sendBytes("{", 1);
    } catch (const Poco::TimeoutException&) {
      continue;  // readable for a TLS session ticket only
    } catch (const Poco::Exception&) {
      return secondsSince(start);
    }
  }
  return -1;
}

// Sends `request` whole and reads what comes back until the peer closes or
// `wait` passes; an empty string when the connection was cut first.
std::string exchange(const std::string& request, std::uint16_t port,
                     const Poco::Timespan& wait) {
  std::string answer;
  try {
    Poco::Net::SecureStreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port),
                                         clientContext());
    socket.setReceiveTimeout(wait);
    socket.sendBytes(request.data(), static_cast<int>(request.size()));
    char buffer[4096];
    for (int n; (n = socket.receiveBytes(buffer, sizeof buffer)) > 0;) answer.append(buffer, n);
  } catch (const Poco::Exception&) {
    // Cut off mid-request or mid-answer: what arrived is the answer.
  }
  return answer;
}

// "HTTP/1.1 431 …" → 431; 0 when there is no status line.
int statusOf(const std::string& answer) {
  if (answer.rfind("HTTP/1.", 0) != 0 || answer.size() < 12) return 0;
  return std::stoi(answer.substr(9, 3));
}

// A port a host reports in its ready file ("https", "http"); 0 if none.
// Sets an environment variable for the processes started while it lives.
// setenv() races with a getenv() on another thread (the NOLINTs below): it is
// called on the test's thread, before the host it is meant for starts and
// after that host's test is over.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);  // NOLINT(concurrency-mt-unsafe): see the class
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);  // NOLINT(concurrency-mt-unsafe): see the class
    } else {
      ::unsetenv(name_);  // NOLINT(concurrency-mt-unsafe): see the class
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

long rssKiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

class HostHttpAbuse : public ::testing::Test {
 protected:
  void TearDown() override {
    if (host_) {
      EXPECT_TRUE(host_->process().running()) << "the host died:\n" << host_->log();
    }
    host_.reset();
    stub_.reset();
    deleteQueues(queues_);
  }

  // A host on the memory store and RabbitMQ, with `limits` (api.server.*
  // settings) on top of small defaults for every test.
  void startHost(const std::vector<std::string>& limits) {
    stub_ = std::make_unique<RunningStub>(0.1);
    const std::string dir = freshDir("abuse");
    std::vector<std::string> defines = backendDefines({"memory", "rabbitmq"}, queues_, dir);
    defines.insert(defines.end(), {"api.server.maxThreads=4", "api.server.maxQueued=8",
                                   "api.server.keepAliveTimeoutSeconds=2"});
    defines.insert(defines.end(), limits.begin(), limits.end());
    host_ = std::make_unique<RunningHost>(dir, *stub_, defines);
    port_ = host_->port("https");
    httpPort_ = host_->port("http");
  }

  // The same, with a plain HTTP endpoint beside HTTPS (httpPort_).
  void startHostWithPlainHttp(std::vector<std::string> limits) {
    limits.insert(limits.end(), {"api.http.enabled=true", "api.http.port=0"});
    startHost(limits);
  }

  // Nothing may have been stored from a request the client never finished.
  void expectNoTaskCreated() {
    const std::string metrics = host_->api().get("/metrics").body;
    EXPECT_NE(metrics.find("\ncpe_tasks_created_total 0\n"), std::string::npos) << metrics;
  }

  QueueNames queues_ = QueueNames::unique();
  std::unique_ptr<RunningStub> stub_;
  std::unique_ptr<RunningHost> host_;
  std::uint16_t port_ = 0;      // HTTPS
  std::uint16_t httpPort_ = 0;  // plain HTTP, when enabled
};

// The client was cut off by a 2 s deadline: not before it (the span measured
// holds the server's, so it cannot come out shorter), and by nothing else,
// since nothing else ends such a client within kCutWithin.
void expectCutByATwoSecondDeadline(double cutAfter) {
  ASSERT_GE(cutAfter, 0) << "a trickling client was not cut off within " << kCutWithin.count()
                         << " s";
  EXPECT_GE(cutAfter, 1.5) << "cut before the deadline";
}

// Without the head timeout Poco 1.11 never ends such a client over plain HTTP,
// and over TLS only after about twice the receive timeout (120 s here).
constexpr const char* kSlowClientLimits[] = {"api.server.receiveTimeoutSeconds=60",
                                             "api.server.requestHeadTimeoutSeconds=2"};

TEST_F(HostHttpAbuse, ClientTricklingARequestHeadIsCutOffByTheHeadTimeout) {
  startHost({std::begin(kSlowClientLimits), std::end(kSlowClientLimits)});
  const auto connecting = Clock::now();
  Poco::Net::SecureStreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port_),
                                       clientContext());
  const double cutAfter = trickleUntilCut(socket, connecting);
  expectCutByATwoSecondDeadline(cutAfter);
  std::cout << "[          ] trickling HTTPS client cut after " << cutAfter << " s\n";
  EXPECT_GE(healthzWithin(port_), 0) << "no answer after the slow client";
}

TEST_F(HostHttpAbuse, PlainHttpClientTricklingARequestHeadIsCutOffByTheHeadTimeout) {
  startHostWithPlainHttp({std::begin(kSlowClientLimits), std::end(kSlowClientLimits)});
  const auto connecting = Clock::now();
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", httpPort_));
  const double cutAfter = trickleUntilCut(socket, connecting);
  expectCutByATwoSecondDeadline(cutAfter);
  std::cout << "[          ] trickling HTTP client cut after " << cutAfter << " s\n";
  EXPECT_GE(healthzWithin(port_), 0) << "no answer after the slow client";
}

// Neither the receive timeout nor the head timeout can end these clients.
constexpr const char* kSlowBodyLimits[] = {"api.server.receiveTimeoutSeconds=60",
                                           "api.server.requestHeadTimeoutSeconds=60",
                                           "api.server.requestBodyTimeoutSeconds=2"};

TEST_F(HostHttpAbuse, ClientTricklingARequestBodyIsCutOffByTheBodyTimeout) {
  startHost({std::begin(kSlowBodyLimits), std::end(kSlowBodyLimits)});
  const auto connecting = Clock::now();
  Poco::Net::SecureStreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port_),
                                       clientContext());
  std::string answer;
  const double cutAfter = trickleBodyUntilCut(socket, connecting, answer);
  expectCutByATwoSecondDeadline(cutAfter);
  // TLS cannot answer once its reading side is shut: the 408 is for plain
  // HTTP (next test), here the connection just ends.
  EXPECT_TRUE(answer.empty() || answer.rfind("HTTP/1.1 408", 0) == 0) << answer;
  std::cout << "[          ] trickling HTTPS body cut after " << cutAfter << " s\n";
  expectNoTaskCreated();
  EXPECT_GE(healthzWithin(port_), 0) << "no answer after the slow client";
}

TEST_F(HostHttpAbuse, PlainHttpClientTricklingARequestBodyIsAnswered408) {
  startHostWithPlainHttp({std::begin(kSlowBodyLimits), std::end(kSlowBodyLimits)});
  const auto connecting = Clock::now();
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", httpPort_));
  std::string answer;  // plain HTTP can still answer
  const double cutAfter = trickleBodyUntilCut(socket, connecting, answer);
  expectCutByATwoSecondDeadline(cutAfter);
  recordRawAnswer(httpPort_, "POST", "/api/v1/equipment/cpe/ABC123", answer);
  EXPECT_EQ(answer.rfind("HTTP/1.1 408", 0), 0u) << answer;
  EXPECT_NE(answer.find("The request body did not arrive in full"), std::string::npos) << answer;
  expectNoTaskCreated();
}

TEST_F(HostHttpAbuse, ABodyCutShortIsNeverTakenForAWholeOne) {
  startHostWithPlainHttp({});
  // A valid request followed by spaces, announced 100 bytes longer than sent:
  // what arrived parses, but it is not what the client meant to send.
  const std::string body =
      R"({"timeoutInSeconds":14,"parameters":{"username":"u","password":"p","interfaces":[1]}})" +
      std::string(20, ' ');
  const std::string request =
      "POST /api/v1/equipment/cpe/ABC123 HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
      std::string(kSuiteAuthorizationLine) +
      "Content-Type: application/json\r\nContent-Length: " +
      std::to_string(body.size() + 100) + "\r\n\r\n" + body;
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", httpPort_));
  socket.sendBytes(request.data(), static_cast<int>(request.size()));
  socket.shutdownSend();  // the client is gone mid-body
  socket.setReceiveTimeout(Poco::Timespan(10, 0));
  std::string answer;
  char buffer[4096];
  for (int n; (n = socket.receiveBytes(buffer, sizeof buffer)) > 0;) answer.append(buffer, n);
  recordRawAnswer(httpPort_, "POST", "/api/v1/equipment/cpe/ABC123", answer);
  EXPECT_EQ(answer.rfind("HTTP/1.1 408", 0), 0u) << answer;
  expectNoTaskCreated();
}

// Requests sent back to back in one write: the second is already in the
// server's buffer when the first is answered. Were it waited for on the
// socket, nothing more would come, and the connection would close after the
// keep-alive timeout (2 s here) with the second unanswered.
TEST_F(HostHttpAbuse, PipelinedRequestsAreAnsweredWithoutWaitingForMoreInput) {
  startHostWithPlainHttp({});
  const std::string get =
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + std::string(kSuiteAuthorizationLine);
  const std::string requests = get + "\r\n" + get + "Connection: close\r\n\r\n";
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", httpPort_));
  socket.sendBytes(requests.data(), static_cast<int>(requests.size()));
  socket.setReceiveTimeout(Poco::Timespan(10, 0));
  std::string answers;
  char buffer[4096];
  for (int n; (n = socket.receiveBytes(buffer, sizeof buffer)) > 0;) answers.append(buffer, n);
  const auto second = answers.find("HTTP/1.1 ", 1);
  ASSERT_NE(second, std::string::npos) << answers;
  // Each answer checked against the OpenAPI document on its own.
  recordRawAnswer(httpPort_, "GET", "/healthz", answers.substr(0, second));
  recordRawAnswer(httpPort_, "GET", "/healthz", answers.substr(second));
  EXPECT_EQ(statusOf(answers), 200) << answers;
  EXPECT_EQ(statusOf(answers.substr(second)), 200) << answers;
}

// A connection serves at most 1,000 requests (the listener's
// maxKeepAliveRequests). The last answer says "Connection: close", so that
// a client sends nothing more on a connection about to close: a request
// sent after an answer that promised keep-alive would be lost unanswered.
TEST_F(HostHttpAbuse, TheLastRequestAConnectionMayServeIsAnsweredWithConnectionClose) {
  // Past the suite's 2 s idle bound, a stalled test thread would find its
  // connection closed by the server before the thousandth request.
  startHostWithPlainHttp({"api.server.keepAliveTimeoutSeconds=60"});
  Poco::Net::HTTPClientSession session("127.0.0.1", httpPort_);
  session.setTimeout(Poco::Timespan(10, 0));
  session.setKeepAlive(true);  // else each request asks for Connection: close
  constexpr int kMostRequests = 1000;
  int keptAlive = 0;
  bool lastKeptAlive = true;
  for (int i = 1; i <= kMostRequests; ++i) {
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/healthz",
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Authorization", std::string("Bearer ") + kSuiteToken);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::istream& body = session.receiveResponse(response);
    body.ignore(std::numeric_limits<std::streamsize>::max());
    ASSERT_EQ(response.getStatus(), Poco::Net::HTTPResponse::HTTP_OK) << "request " << i;
    if (i < kMostRequests && response.getKeepAlive()) ++keptAlive;
    if (i == kMostRequests) lastKeptAlive = response.getKeepAlive();
  }
  EXPECT_EQ(keptAlive, kMostRequests - 1) << "an answer before the last closed the connection";
  EXPECT_FALSE(lastKeptAlive) << "the last answer promised a connection about to close";
}

// `body` as a chunked POST in chunks of `chunk` bytes, on a connection the
// client closes after the answer.
std::string chunkedPost(const std::string& body, std::size_t chunk) {
  std::ostringstream request;
  request << "POST /api/v1/equipment/cpe/ABC123 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          << kSuiteAuthorizationLine
          << "Connection: close\r\nContent-Type: application/json\r\n"
             "Transfer-Encoding: chunked\r\n\r\n";
  for (std::size_t at = 0; at < body.size(); at += chunk) {
    const std::string piece = body.substr(at, chunk);
    request << std::hex << piece.size() << "\r\n" << piece << "\r\n";
  }
  request << "0\r\n\r\n";
  return request.str();
}

// A chunked body has no length to size the read by: it is read as it comes,
// past several reads, and refused once one byte beyond 64 KiB has come.
TEST_F(HostHttpAbuse, ChunkedBodiesAreReadWholeAndRefusedPastTheLimit) {
  startHostWithPlainHttp({});
  const std::string padded = R"({"timeoutInSeconds":14,"parameters":{"username":"u",)"
                             R"("password":"p","interfaces":[1],"pad":")" +
                             std::string(40000, 'x') + R"("}})";
  std::string answer = plainExchange(httpPort_, chunkedPost(padded, 1000), Poco::Timespan(10, 0));
  ASSERT_EQ(statusOf(answer), 200) << answer;
  const std::string metrics = host_->api().get("/metrics").body;
  EXPECT_NE(metrics.find("\ncpe_tasks_created_total 1\n"), std::string::npos) << metrics;

  const std::string tooLarge = padded.substr(0, padded.size() - 3) +
                               std::string(kMaxRequestBodyBytes + 1 - padded.size(), 'x') +
                               R"("}})";
  ASSERT_EQ(tooLarge.size(), kMaxRequestBodyBytes + 1);
  answer = plainExchange(httpPort_, chunkedPost(tooLarge, 7000), Poco::Timespan(10, 0));
  EXPECT_EQ(statusOf(answer), 413) << answer;
}

TEST_F(HostHttpAbuse, APostWithNeitherLengthNorChunkingIsAnswered411UnderEveryPolicy) {
  // The envelope policy answers 200 for task answers; a refusal of the
  // request's form keeps its real status line (api-contract.md).
  startHostWithPlainHttp({"api.statusLinePolicy=envelope"});
  // Such a body ends only when the client closes; this client never does,
  // and sends nothing more: a server waiting for the end would hold the
  // connection and a thread for as long as the client likes.
  const std::string head =
      "POST /api/v1/equipment/cpe/ABC123 HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
      std::string(kSuiteAuthorizationLine) +
      "Content-Type: application/json\r\n\r\n{\"timeoutIn";
  const std::string answer = plainExchange(httpPort_, head, Poco::Timespan(10, 0));
  EXPECT_EQ(statusOf(answer), 411) << answer;
  EXPECT_NE(answer.find(R"({"code":411,"message":"Length required"})"), std::string::npos)
      << answer;
  expectNoTaskCreated();
}

TEST_F(HostHttpAbuse, IdleConnectionsBeyondThePoolDoNotLockOutANormalClient) {
  // Twice the pool of idle connections, all queued (4 threads + 8 queued):
  // only the receive timeout frees the threads they hold.
  startHost({"api.server.receiveTimeoutSeconds=1", "api.server.requestHeadTimeoutSeconds=60"});
  std::vector<Poco::Net::StreamSocket> idle(8);
  std::vector<std::uint16_t> idlePorts;
  for (auto& socket : idle) {
    socket.connect(Poco::Net::SocketAddress("127.0.0.1", port_));
    idlePorts.push_back(socket.address().port());
  }
  ASSERT_TRUE(awaitAccepted(port_, idlePorts)) << "the host never took the idle connections";

  const double waited = healthzWithin(port_);
  ASSERT_GE(waited, 0) << "a normal client was locked out by idle connections";
  // Had the idle connections not held the pool, the test would prove nothing:
  // the normal client, behind them, is served only once the server has let
  // some of them go.
  int letGo = 0;
  for (auto& socket : idle) {
    letGo += socket.poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ) ? 1 : 0;
  }
  std::cout << "[          ] normal client answered after " << waited << " s behind " << idle.size()
            << " idle connections, " << letGo << " of them let go by then\n";
  EXPECT_GT(letGo, 0) << "the idle connections did not occupy the pool";
  for (auto& socket : idle) {
    EXPECT_TRUE(closedByPeer(socket, Poco::Timespan(10, 0))) << "an idle connection stayed open";
  }
}

TEST_F(HostHttpAbuse, OversizedHeadsAreRefusedAndTheServerCarriesOn) {
  // Limits below Poco's own (100 fields, 8 KiB values), so only the
  // configured ones can refuse the first two requests.
  startHost({"api.server.maxHeaderFields=20", "api.server.maxHeaderBytes=4096"});
  const TestClient& client = host_->api();

  std::map<std::string, std::string> manyFields;
  for (int i = 0; i < 30; ++i) manyFields["X-Field-" + std::to_string(i)] = "v";
  const HttpResult tooMany = client.request("GET", "/healthz", "", manyFields);
  EXPECT_EQ(tooMany.status, 431) << tooMany.body;
  EXPECT_EQ(tooMany.body, R"({"code":431,"message":"Request header fields too large"})");
  EXPECT_EQ(client.request("GET", "/healthz", "", {{"X-Big", std::string(6000, 'b')}}).status, 431);
  // Within the limits: served.
  EXPECT_EQ(client.request("GET", "/healthz", "", {{"X-Ok", std::string(1000, 'c')}}).status, 200);

  // Beyond Poco's caps: refused while reading, answer 4xx or a closed connection.
  const std::string hugeLine =
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Huge: " + std::string(100000, 'h') + "\r\n\r\n";
  const int hugeStatus = statusOf(exchange(hugeLine, port_, Poco::Timespan(10, 0)));
  EXPECT_TRUE(hugeStatus == 0 || (hugeStatus >= 400 && hugeStatus < 500)) << hugeStatus;
  std::string fieldFlood = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 5000; ++i) fieldFlood += "X-F" + std::to_string(i) + ": v\r\n";
  fieldFlood += "\r\n";
  const int floodStatus = statusOf(exchange(fieldFlood, port_, Poco::Timespan(10, 0)));
  EXPECT_TRUE(floodStatus == 0 || (floodStatus >= 400 && floodStatus < 500)) << floodStatus;
  std::cout << "[          ] 100 kB header line: " << hugeStatus << ", 5000 fields: " << floodStatus
            << " (0: closed)\n";

  EXPECT_GE(healthzWithin(port_), 0) << "no answer after the oversized heads";
}

TEST_F(HostHttpAbuse, FloodBeyondPoolAndQueueIsShedWhileANormalClientIsServed) {
  // Under AddressSanitizer freed memory waits in a quarantine of up to
  // 256 MB, which would hide whether the server's memory is bounded.
  const char* asan = std::getenv("ASAN_OPTIONS");
  const ScopedEnv quarantine(
      "ASAN_OPTIONS", (asan != nullptr && *asan != '\0' ? std::string(asan) + ":" : std::string()) +
                          "quarantine_size_mb=4");
  startHost({"api.server.maxQueued=4", "api.server.receiveTimeoutSeconds=2",
             "api.server.requestHeadTimeoutSeconds=2"});
  const pid_t pid = host_->process().pid();
  ASSERT_GE(healthzWithin(port_), 0);
  const long rssBefore = rssKiB(pid);

  // Connections alone, far beyond 4 threads + 4 queued: the rest are closed
  // at once rather than queued.
  constexpr int kConnections = 200;
  std::vector<Poco::Net::StreamSocket> flood(kConnections);
  for (auto& socket : flood) socket.connect(Poco::Net::SocketAddress("127.0.0.1", port_));
  int shedAtOnce = 0;
  for (auto& socket : flood) shedAtOnce += closedByPeer(socket, Poco::Timespan(0, 200000)) ? 1 : 0;
  EXPECT_GE(shedAtOnce, kConnections - 4 - 4 - 2) << "connections queued beyond maxQueued";
  const double duringIdleFlood = healthzWithin(port_);
  EXPECT_GE(duringIdleFlood, 0) << "no answer while the pool was full";
  flood.clear();

  // Requests from many clients at once, each on a fresh connection, while a
  // normal client keeps asking.
  std::atomic<bool> flooding{true};
  std::atomic<int> served{0};
  std::atomic<int> shed{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 32; ++i) {
    clients.emplace_back([&] {
      while (flooding) {
        const int status = getStatus(port_, "/healthz", Poco::Timespan(10, 0));
        (status == 0 ? shed : served)++;
      }
    });
  }
  double slowestProbe = 0;
  bool probesAnswered = true;
  const auto floodStart = Clock::now();
  while (Clock::now() - floodStart < 4s) {
    const double took = healthzWithin(port_);
    probesAnswered = probesAnswered && took >= 0;
    slowestProbe = std::max(slowestProbe, took);
    std::this_thread::sleep_for(250ms);
  }
  flooding = false;
  for (auto& client : clients) client.join();
  const long rssAfter = rssKiB(pid);

  EXPECT_TRUE(probesAnswered) << "a normal client went unanswered during the flood";
  EXPECT_GT(served.load(), 0);
  EXPECT_GT(shed.load(), 0) << "32 clients at once never exceeded 4 threads + 4 queued?";
  EXPECT_GE(healthzWithin(port_), 0) << "no answer after the flood";
  // Bounded: a few MB of TLS sessions and buffers, not one per request.
  EXPECT_LT(rssAfter - rssBefore, 64 * 1024)
      << "RSS grew from " << rssBefore << " to " << rssAfter << " KiB";
  std::cout << "[          ] " << shedAtOnce << "/" << kConnections
            << " bare connections shed at once; normal client answered after " << duringIdleFlood
            << " s\n"
            << "[          ] request flood: " << served << " served, " << shed
            << " shed; slowest normal client " << slowestProbe << " s; RSS " << rssBefore << " -> "
            << rssAfter << " KiB\n";
}

}  // namespace
}  // namespace cpe::testing
