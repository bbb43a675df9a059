// What the postgres store promises about its connections: the connection
// string reaches libpq as the operator wrote it (a URI, several hosts,
// target_session_attrs) on top of the store's network defaults, which it
// overrides; and a call on a connection cut off by a silent network
// partition answers UNAVAILABLE in seconds, not the kernel's 15 minutes,
// after which the store works again on new connections.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "loopback_partition.h"
#include "postgres_support.h"
#include "store_fixture.h"

namespace cpe::testing {
namespace {

constexpr EpochMillis kT0 = 1'700'000'000'000;
// Nothing listens there: a connect to it is refused at once.
constexpr int kClosedPort = 1;
// Far beyond the store's network defaults (a partitioned call fails after
// about 15 s) and far short of the kernel's 15 minutes without them.
constexpr auto kPartitionDeadline = std::chrono::seconds(60);

using Clock = std::chrono::steady_clock;

long long millisSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// The test database's conninfo taken apart: where the server is, and the
// other keywords it sets (dbname, user, password, ...).
struct TestDatabase {
  std::string host = "127.0.0.1";
  std::string port = "5432";
  std::map<std::string, std::string> others;
};

TestDatabase testDatabase() {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(testPostgresConninfo().c_str(), &error);
  if (error != nullptr) PQfreemem(error);
  TestDatabase database;
  if (options == nullptr) return database;
  for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (option->val == nullptr || *option->val == '\0') continue;
    const std::string keyword = option->keyword;
    if (keyword == "host") {
      database.host = option->val;
    } else if (keyword == "port") {
      database.port = option->val;
    } else {
      database.others[keyword] = option->val;
    }
  }
  PQconninfoFree(options);
  return database;
}

// `value` single-quoted for a key=value conninfo.
std::string quoted(const std::string& value) {
  std::string text = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') text += '\\';
    text += c;
  }
  return text + "'";
}

// `value` percent-encoded for a postgresql:// URI.
std::string uriEncoded(const std::string& value) {
  std::string text;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      text += static_cast<char>(c);
    } else {
      constexpr char kHexDigits[] = "0123456789ABCDEF";
      text += '%';
      text += kHexDigits[c >> 4];
      text += kHexDigits[c & 0xF];
    }
  }
  return text;
}

// The test database behind two hosts, the first refusing connections, as
// key=value pairs, then `extra`.
std::string twoHostKeyValue(const std::string& extra) {
  const TestDatabase database = testDatabase();
  std::string conninfo = "host=" + quoted(database.host + "," + database.host) +
                         " port=" + quoted(std::to_string(kClosedPort) + "," + database.port);
  for (const auto& [keyword, value] : database.others) {
    conninfo += " " + keyword + "=" + quoted(value);
  }
  return conninfo + " " + extra;
}

// The same as a URI, `query` (key=value&...) first among its parameters.
std::string twoHostUri(const std::string& query) {
  TestDatabase database = testDatabase();
  auto take = [&database](const char* keyword) {
    std::string value = uriEncoded(database.others[keyword]);
    database.others.erase(keyword);
    return value;
  };
  const std::string user = take("user");
  const std::string password = take("password");
  const std::string dbname = take("dbname");
  std::string uri = "postgresql://" + user + ":" + password + "@" + database.host + ":" +
                    std::to_string(kClosedPort) + "," + database.host + ":" + database.port + "/" +
                    dbname + "?" + query;
  for (const auto& [keyword, value] : database.others) {
    uri += "&" + keyword + "=" + uriEncoded(value);
  }
  return uri;
}

// Gives the factory's store connections an application_name of their own,
// by which the server lists them, with `extra` added to the conninfo.
std::string nameConnections(StoreFactory& factory, const std::string& extra = "") {
  std::string application = "cpe-test-" + factory.schema();
  factory.config().setString(
      "store.postgres.connection",
      testPostgresConninfo() + " application_name=" + application + " " + extra);
  return application;
}

// This process's TCP socket bound to local port `port`, or -1.
int socketOnLocalPort(int port) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", error)) {
    const int fd = std::stoi(entry.path().filename().string());
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) continue;
    const sockaddr* generic = reinterpret_cast<const sockaddr*>(&address);
    int bound = -1;
    if (generic->sa_family == AF_INET) {
      bound = ntohs(reinterpret_cast<const sockaddr_in*>(generic)->sin_port);
    } else if (generic->sa_family == AF_INET6) {
      bound = ntohs(reinterpret_cast<const sockaddr_in6*>(generic)->sin6_port);
    }
    if (bound == port) return fd;
  }
  return -1;
}

// The client ports of this process's open connections named `application`.
// The server may still list connections already closed here: a store's
// first one, which checks the schema, or one a partition cut off.
std::vector<int> openConnectionPorts(const std::string& application) {
  std::istringstream listed(
      queryPostgres("SELECT string_agg(client_port::text, ' ') FROM pg_stat_activity"
                    " WHERE application_name = '" +
                    application + "'"));
  std::vector<int> ports;
  for (int port = 0; listed >> port;) {
    if (socketOnLocalPort(port) >= 0) ports.push_back(port);
  }
  return ports;
}

// The client ports of the store's pooled connections once the pool holds
// `count` of them, empty if it never does: calls from `count` threads at once
// make it open one per thread.
std::vector<int> openPooledConnections(TaskStore& store, const std::string& application,
                                       int count) {
  for (int round = 0; round < 20; ++round) {
    std::atomic<int> ready{0};
    std::vector<std::thread> callers;
    for (int i = 0; i < count; ++i) {
      callers.emplace_back([&] {
        ++ready;
        while (ready < count) std::this_thread::yield();
        for (int call = 0; call < 10; ++call) EXPECT_TRUE(store.ping().isOk());
      });
    }
    for (auto& caller : callers) caller.join();
    std::vector<int> ports = openConnectionPorts(application);
    if (ports.size() == static_cast<std::size_t>(count)) return ports;
  }
  return {};
}

int socketOption(int fd, int level, int name) {
  int value = -1;
  socklen_t length = sizeof value;
  if (getsockopt(fd, level, name, &value, &length) != 0) return -1;
  return value;
}

// The TCP settings that bound how long a call waits on a silent network.
std::string networkSettingsOf(int fd) {
  return "keepalive=" + std::to_string(socketOption(fd, SOL_SOCKET, SO_KEEPALIVE)) +
         " idle=" + std::to_string(socketOption(fd, IPPROTO_TCP, TCP_KEEPIDLE)) +
         " interval=" + std::to_string(socketOption(fd, IPPROTO_TCP, TCP_KEEPINTVL)) +
         " count=" + std::to_string(socketOption(fd, IPPROTO_TCP, TCP_KEEPCNT)) +
         " user_timeout=" + std::to_string(socketOption(fd, IPPROTO_TCP, TCP_USER_TIMEOUT));
}

// The network settings of the one pooled connection of a store opened with
// `extraConninfo`.
std::string pooledConnectionSettings(const std::string& extraConninfo) {
  StoreFactory factory("postgres");
  const std::string application = nameConnections(factory, extraConninfo);
  factory.config().setString("store.postgres.poolSize", "1");
  auto store = factory.createOrFail();
  if (store == nullptr) return "no store";
  EXPECT_TRUE(store->ping().isOk());
  const std::vector<int> ports = openConnectionPorts(application);
  if (ports.size() != 1) return std::to_string(ports.size()) + " pooled connections";
  return networkSettingsOf(socketOnLocalPort(ports[0]));
}

void expectStoreWorks(StoreFactory& factory) {
  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->insert(makeTask("t1", kT0)).isOk());
  auto task = store->get("t1");
  ASSERT_TRUE(task.isOk()) << task.status().toString();
  EXPECT_EQ(task.value().id, "t1");
}

TEST(PostgresConnection, KeyValueStringWithTwoHostsReachesTheOneThatIsUp) {
  StoreFactory factory("postgres");
  factory.config().setString("store.postgres.connection",
                             twoHostKeyValue("target_session_attrs=read-write"));
  expectStoreWorks(factory);
}

TEST(PostgresConnection, UriWithTwoHostsReachesTheOneThatIsUp) {
  StoreFactory factory("postgres");
  factory.config().setString("store.postgres.connection",
                             twoHostUri("target_session_attrs=read-write"));
  expectStoreWorks(factory);
}

// The test server is a primary: if the store dropped or rewrote
// target_session_attrs, this would connect.
TEST(PostgresConnection, TargetSessionAttrsOfTheConnectionStringIsHonoured) {
  StoreFactory factory("postgres");
  factory.config().setString("store.postgres.connection",
                             twoHostUri("target_session_attrs=standby"));
  auto store = factory.create();
  EXPECT_FALSE(store.isOk()) << "connected to a primary asking for a standby";
}

TEST(PostgresConnection, NetworkDefaultsApplyUnlessTheConnectionStringSetsThem) {
  EXPECT_EQ(pooledConnectionSettings(""),
            "keepalive=1 idle=10 interval=5 count=3 user_timeout=15000");
  EXPECT_EQ(pooledConnectionSettings("keepalives_idle=30 tcp_user_timeout=20000"),
            "keepalive=1 idle=30 interval=5 count=3 user_timeout=20000");
  // Both written off: no keepalive, and the kernel's own retransmission limit.
  const std::string off = pooledConnectionSettings("keepalives=0 tcp_user_timeout=0");
  EXPECT_EQ(off.rfind("keepalive=0 ", 0), 0u) << off;
  EXPECT_NE(off.find(" user_timeout=0"), std::string::npos) << off;
}

// TLS: deploy/local/start-postgres.sh turns ssl on with a certificate the
// development CA of deploy/local/server-tls.sh signed for localhost,
// 127.0.0.1 and ::1. sslmode=verify-full in the connection string checks
// both the certificate and the host name.
constexpr const char* kServerCa = "/etc/cpe-dev-tls/ca.pem";
// Debian's bundle of public CAs, none of which signed the server's.
constexpr const char* kOtherCas = "/etc/ssl/certs/ca-certificates.crt";

// The test database, verify-full against `rootCertificates`, reached at its
// address but checked as `host` (libpq's hostaddr).
std::string verifiedConninfo(const std::string& host, const std::string& rootCertificates) {
  const TestDatabase database = testDatabase();
  std::string conninfo = "host=" + quoted(host) + " hostaddr=" + quoted(database.host) +
                         " port=" + quoted(database.port);
  for (const auto& [keyword, value] : database.others) {
    if (keyword != "sslmode" && keyword != "sslrootcert" && keyword != "hostaddr") {
      conninfo += " " + keyword + "=" + quoted(value);
    }
  }
  return conninfo + " sslmode=verify-full sslrootcert=" + quoted(rootCertificates);
}

// Whether the server has connections named `application` over TLS, and
// how many without: "true/0" when all of them are TLS.
std::string tlsConnectionsOf(const std::string& application) {
  return queryPostgres(
      "SELECT (count(*) FILTER (WHERE ssl) > 0) || '/' || count(*) FILTER (WHERE NOT ssl)"
      " FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE application_name = '" +
      application + "'");
}

TEST(PostgresConnection, VerifyFullConnectionsAreTlsAsTheServerSeesThem) {
  StoreFactory factory("postgres");
  const std::string application = "cpe-test-tls-" + factory.schema();
  factory.config().setString(
      "store.postgres.connection",
      verifiedConninfo("localhost", kServerCa) + " application_name=" + application);
  factory.config().setString("store.postgres.poolSize", "2");
  auto store = factory.createOrFail();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->insert(makeTask("t1", kT0)).isOk());
  auto task = store->get("t1");
  ASSERT_TRUE(task.isOk()) << task.status().toString();
  EXPECT_EQ(tlsConnectionsOf(application), "true/0");
}

void expectRefused(const std::string& conninfo, const std::string& reason) {
  StoreFactory factory("postgres");
  factory.config().setString("store.postgres.connection", conninfo);
  auto store = factory.create();
  ASSERT_FALSE(store.isOk()) << "connected";
  EXPECT_NE(store.status().message().find(reason), std::string::npos) << store.status().message();
}

TEST(PostgresConnection, VerifyFullRefusesAServerItsRootCertificatesDidNotSign) {
  expectRefused(verifiedConninfo("localhost", kOtherCas), "certificate verify failed");
}

TEST(PostgresConnection, VerifyFullRefusesAServerWhoseCertificateLacksTheNameDialled) {
  expectRefused(verifiedConninfo("db.example", kServerCa), "does not match host name");
}

// The store's pooled connections, silently cut off from the server by
// iptables on loopback; the server's side of them is ended after the test.
class PostgresPartition : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Status usable = LoopbackPartition::checkUsable(); !usable.isOk()) {
      GTEST_SKIP() << usable.message();
    }
    serverPort_ = std::stoi(queryPostgres("SELECT inet_server_port()"));
    if (serverPort_ <= 0) GTEST_SKIP() << "the test PostgreSQL is not reached over TCP";
    application_ = nameConnections(factory_);
    factory_.config().setString("store.postgres.poolSize", "2");
  }

  // The server never learns that the partitioned connections are gone (its
  // keepalive waits two hours), so their backends are ended here.
  void TearDown() override {
    if (application_.empty()) return;
    queryPostgres(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
        " WHERE application_name = '" +
        application_ + "'");
  }

  StoreFactory factory_{"postgres"};
  std::string application_;
  int serverPort_ = 0;
};

TEST_F(PostgresPartition, CallsOnCutOffConnectionsAnswerUnavailableAndTheStoreRecovers) {
  auto store = factory_.createOrFail();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->insert(makeTask("before", kT0)).isOk());
  const std::vector<int> ports = openPooledConnections(*store, application_, 2);
  ASSERT_EQ(ports.size(), 2u) << "the pool never held two connections at once";

  // Declared before the partition: whatever happens, the rules are gone
  // before these wait for their calls to end.
  std::future<Result<Task>> got;
  std::future<Status> inserted;
  {
    LoopbackPartition partition(serverPort_);
    for (int port : ports) {
      if (Status cut = partition.cut(port); !cut.isOk()) GTEST_SKIP() << cut.message();
    }
    // Both pooled connections are idle: each call takes one.
    const auto start = Clock::now();
    got = std::async(std::launch::async, [&] { return store->get("before"); });
    inserted =
        std::async(std::launch::async, [&] { return store->insert(makeTask("during", kT0 + 1)); });
    ASSERT_EQ(got.wait_until(start + kPartitionDeadline), std::future_status::ready)
        << "get() still waiting on a partitioned connection";
    ASSERT_EQ(inserted.wait_until(start + kPartitionDeadline), std::future_status::ready)
        << "insert() still waiting on a partitioned connection";
    std::cout << "partitioned calls answered within " << millisSince(start) << " ms\n";
  }
  const Result<Task> during = got.get();
  ASSERT_FALSE(during.isOk());
  EXPECT_EQ(during.status().code(), StatusCode::kUnavailable) << during.status().toString();
  const Status insertedDuring = inserted.get();
  EXPECT_EQ(insertedDuring.code(), StatusCode::kUnavailable) << insertedDuring.toString();

  // Healed: the broken connections were dropped, new ones serve the calls.
  auto after = store->get("before");
  ASSERT_TRUE(after.isOk()) << after.status().toString();
  Status insertedAfter = store->insert(makeTask("after", kT0 + 2));
  EXPECT_TRUE(insertedAfter.isOk()) << insertedAfter.toString();
}

}  // namespace
}  // namespace cpe::testing
