// The TLS policy of every server endpoint (core/server's listener, so B's
// API, the ops endpoint and the stub of A alike): TLS 1.2 and 1.3 accepted,
// TLS 1.0 and 1.1 refused, TLS 1.2 suites without forward secrecy refused,
// no renegotiation. The client is OpenSSL itself, made willing to offer
// what the server must refuse, and each refusal is checked to be the
// server's alert, not the client's own unwillingness.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "running_services.h"

namespace cpe::testing {
namespace {

struct Offer {
  int version;             // TLS1_VERSION ... TLS1_3_VERSION, offered alone
  std::string cipherList;  // TLS 1.2 and below; empty: the client's default
};

struct Handshake {
  bool established = false;
  std::string version;        // as negotiated, when established
  std::string cipher;         // as negotiated, when established
  unsigned long error = 0;    // the first OpenSSL error, when not
  std::string errorText;
};

int connectLoopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
  return fd;
}

struct SslDeleter {
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
using Context = std::unique_ptr<SSL_CTX, SslDeleter>;
using Session = std::unique_ptr<SSL, SslDeleter>;

// A client that offers exactly `offer`, at security level 0 so that OpenSSL
// does not refuse old protocols and weak suites before the server can.
Context clientFor(const Offer& offer) {
  Context context(SSL_CTX_new(TLS_client_method()));
  SSL_CTX_set_security_level(context.get(), 0);
  SSL_CTX_set_min_proto_version(context.get(), offer.version);
  SSL_CTX_set_max_proto_version(context.get(), offer.version);
  if (!offer.cipherList.empty()) {
    EXPECT_EQ(SSL_CTX_set_cipher_list(context.get(), offer.cipherList.c_str()), 1)
        << "the client cannot offer " << offer.cipherList;
  }
  SSL_CTX_set_verify(context.get(), SSL_VERIFY_NONE, nullptr);  // the policy is under test, not the name
  return context;
}

// Connects and shakes hands; with `keep`, an established session and its
// socket are handed over instead of closed.
Handshake handshake(std::uint16_t port, SSL_CTX* context, Session* keep = nullptr,
                    int* fdOut = nullptr) {
  ERR_clear_error();
  const int fd = connectLoopback(port);
  Session ssl(SSL_new(context));
  SSL_set_fd(ssl.get(), fd);
  Handshake result;
  if (SSL_connect(ssl.get()) == 1) {
    result.established = true;
    result.version = SSL_get_version(ssl.get());
    result.cipher = SSL_get_cipher_name(ssl.get());
  } else {
    result.error = ERR_peek_error();
    char text[256];
    ERR_error_string_n(result.error, text, sizeof text);
    result.errorText = text;
  }
  if (keep && result.established) {
    *keep = std::move(ssl);
    *fdOut = fd;
    return result;
  }
  ssl.reset();
  ::close(fd);
  return result;
}

Handshake handshake(std::uint16_t port, const Offer& offer) {
  const Context context = clientFor(offer);
  return handshake(port, context.get());
}

class TlsPolicy : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    stub_ = std::make_unique<RunningStub>(0.1);
    if (GetParam() == "stub") {
      port_ = stub_->httpsPort();
    } else {
      // B's API, with no worker: the listener is what is under test.
      const QueueNames queues = QueueNames::unique();
      host_ = std::make_unique<RunningHost>(freshDir("tls-host"), *stub_,
                                            [&] {
                                              auto defines = backendDefines({"memory", "rabbitmq"},
                                                                            queues, "");
                                              defines.push_back("host.roles=api");
                                              return defines;
                                            }());
      port_ = host_->port("https");
      queues_ = queues;
    }
  }
  void TearDown() override {
    host_.reset();
    if (queues_) deleteQueues(*queues_);
  }

  std::uint16_t port_ = 0;

 private:
  std::unique_ptr<RunningStub> stub_;
  std::unique_ptr<RunningHost> host_;
  std::optional<QueueNames> queues_;
};

TEST_P(TlsPolicy, AcceptsTls13) {
  const Handshake result = handshake(port_, Offer{TLS1_3_VERSION, ""});
  ASSERT_TRUE(result.established) << result.errorText;
  EXPECT_EQ(result.version, "TLSv1.3");
}

TEST_P(TlsPolicy, AcceptsTls12WithAForwardSecretSuite) {
  const Handshake result = handshake(port_, Offer{TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256"});
  ASSERT_TRUE(result.established) << result.errorText;
  EXPECT_EQ(result.version, "TLSv1.2");
  EXPECT_EQ(result.cipher, "ECDHE-RSA-AES128-GCM-SHA256");
}

TEST_P(TlsPolicy, RefusesTls10AndTls11WithAProtocolVersionAlert) {
  for (const int version : {TLS1_VERSION, TLS1_1_VERSION}) {
    const Handshake result = handshake(port_, Offer{version, "ALL:@SECLEVEL=0"});
    EXPECT_FALSE(result.established) << "negotiated " << result.version;
    // The server's alert: a client that could not offer the version would
    // fail with another reason (no protocols available).
    EXPECT_EQ(ERR_GET_REASON(result.error), SSL_R_TLSV1_ALERT_PROTOCOL_VERSION)
        << result.errorText;
  }
}

TEST_P(TlsPolicy, RefusesTls12SuitesWithoutForwardSecrecy) {
  // Static RSA key exchange: whoever gets the server's key later can read
  // every recorded session.
  for (const char* suite : {"AES128-GCM-SHA256", "AES256-GCM-SHA384", "AES128-SHA256"}) {
    const Handshake result = handshake(port_, Offer{TLS1_2_VERSION, suite});
    EXPECT_FALSE(result.established) << suite << " negotiated";
    EXPECT_EQ(ERR_GET_REASON(result.error), SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE)
        << suite << ": " << result.errorText;
  }
}

TEST_P(TlsPolicy, RefusesARenegotiation) {
  const Context context = clientFor(Offer{TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256"});
  Session ssl;
  int fd = -1;
  const Handshake first = handshake(port_, context.get(), &ssl, &fd);
  ASSERT_TRUE(first.established) << first.errorText;
  ASSERT_EQ(SSL_renegotiate(ssl.get()), 1);
  // The new ClientHello goes out with the handshake call; the server, reading
  // for the next request, answers with a no_renegotiation alert, which
  // OpenSSL's client turns into this error. A server that renegotiates
  // completes the handshake instead.
  ERR_clear_error();
  EXPECT_NE(SSL_do_handshake(ssl.get()), 1) << "the server renegotiated";
  EXPECT_EQ(ERR_GET_REASON(ERR_peek_error()), SSL_R_NO_RENEGOTIATION);
  ssl.reset();
  ::close(fd);
}

// The worker checks A's certificate and name by default; turning that off
// is said once, at start, where an operator reads.
TEST(WorkerTlsToA, TurningVerificationOffIsWarnedAtStart) {
  const RunningStub stub(0.1);
  const QueueNames queues = QueueNames::unique();
  declareQueues(queues);
  const std::string warning = "worker.verifyPeer = false";
  for (const bool verify : {true, false}) {
    auto defines = backendDefines({"memory", "rabbitmq"}, queues, "");
    defines.push_back("host.roles=worker");
    defines.push_back(std::string("worker.verifyPeer=") + (verify ? "true" : "false"));
    RunningHost host(freshDir("verify-peer"), stub, defines);
    const std::string log = host.log();
    EXPECT_EQ(log.find(warning) != std::string::npos, !verify) << "verifyPeer=" << verify << "\n"
                                                                << log;
  }
  deleteQueues(queues);
}

INSTANTIATE_TEST_SUITE_P(Endpoints, TlsPolicy, ::testing::Values("stub", "host"),
                         [](const auto& endpoint) { return endpoint.param; });

}  // namespace
}  // namespace cpe::testing
