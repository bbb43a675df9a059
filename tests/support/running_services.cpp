#include "running_services.h"

#include <Poco/AutoPtr.h>
#include <Poco/File.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Util/MapConfiguration.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "answer_log.h"
#include "cpe/plugin_loader.h"
#include "json_log.h"
#include "password_leaks.h"
#include "test_paths.h"

namespace cpe::testing {
namespace {

std::atomic<int> counter{0};

// PIDs come round again (pid_max is often 32768) and a crashed test leaves
// its queues and schema behind: a random part keeps a later process with the
// same PID from finding them.
std::string uniqueSuffix() {
  static const std::string processToken = [] {
    std::random_device random;
    std::ostringstream token;
    token << ::getpid() << "-" << std::hex << random();
    return token.str();
  }();
  return processToken + "-" + std::to_string(counter++);
}

}  // namespace

std::string freshDir(const std::string& prefix) {
  std::string dir = workDir() + "/" + prefix + "-" + uniqueSuffix();
  Poco::File(dir).createDirectories();
  return dir;
}

std::string suiteCredentialsKeyFile() {
  static const std::string path = [] {
    std::string file = workDir() + "/credentials.key";
    if (!Poco::File(file).exists()) {
      // Written whole under another name, then renamed: test processes
      // running side by side never read half a key.
      Poco::File(workDir()).createDirectories();
      const std::string partial = file + "." + uniqueSuffix();
      std::ofstream(partial) << kSuiteCredentialsKeyHex << "\n";
      Poco::File(partial).renameTo(file);
    }
    return file;
  }();
  return path;
}

RunningStub::RunningStub(double delaySeconds, const std::vector<std::string>& extraDefines)
    : dir_(freshDir("stub")) {
  std::ofstream devices(dir_ + "/devices.txt");
  devices << "ABC123\n" << kFailingDevice << "\nGOOD01\n";
  for (int i = 0; i < 1000; ++i) devices << "DEV" << 100000 + i << "\n";
  devices.close();
  std::vector<std::string> args{
      "-Dstub.https.port=0",
      "-Dstub.http.enabled=true",
      "-Dstub.http.port=0",
      "-Dstub.tls.certificateFile=" + certDir() + "/server.pem",
      "-Dstub.tls.privateKeyFile=" + certDir() + "/server.key",
      "-Dstub.delaySeconds=" + std::to_string(delaySeconds),
      "-Dstub.knownDevicesFile=" + dir_ + "/devices.txt",
      std::string("-Dstub.failingDevices=") + kFailingDevice,
      "-Dstub.readyFile=" + dir_ + "/ready.json",
  };
  if (servicesRunWithJsonLogs()) {
    args.push_back("-Dlogging.format=json");
    rememberJsonLogFile(dir_ + "/stub.log");
  }
  if (passwordLeaksWatched()) args.push_back("-Dlogging.loggers.root.level=trace");
  rememberWrittenPath(dir_);
  args.insert(args.end(), extraDefines.begin(), extraDefines.end());
  process_ = std::make_unique<ServiceProcess>(stubBinary(), args, dir_ + "/ready.json",
                                              dir_ + "/stub.log");
  const auto ready = process_->waitReady();
  httpsPort_ = ready->getValue<std::uint16_t>("https");
  httpPort_ = ready->getValue<std::uint16_t>("http");
  https_.emplace("127.0.0.1", httpsPort_, certDir() + "/ca.pem");
  http_.emplace("127.0.0.1", httpPort_, "");
  // A stub in a fault mode answers what stub-a.yaml says the real A never
  // does; only a well-behaved stub's answers are checked against it.
  const bool faulty = std::any_of(extraDefines.begin(), extraDefines.end(), [](const auto& define) {
    return define.rfind("-Dstub.faultMode=", 0) == 0 && define != "-Dstub.faultMode=none";
  });
  if (!faulty) {
    describeService(httpsPort_, "stub-a");
    describeService(httpPort_, "stub-a");
  }
}

bool RunningStub::awaitHeld(int count, std::chrono::seconds limit) const {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (stats()->getValue<int>("held") >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

QueueNames QueueNames::unique() {
  const std::string base = "cpe.test." + uniqueSuffix();
  return {base + ".tasks", base + ".results", base + ".dead"};
}

std::string Backends::name() const { return store + "_" + broker; }

std::vector<std::string> backendDefines(const Backends& backends, const QueueNames& queues,
                                        const std::string& dataDir) {
  std::vector<std::string> defines{"store.plugin=" + backends.store,
                                   "broker.plugin=" + backends.broker};
  if (backends.store == "sqlite") defines.push_back("store.sqlite.path=" + dataDir + "/tasks.db");
  if (backends.store == "postgres") {
    defines.push_back("store.postgres.connection=" + std::string(kPostgresTestConnection));
    defines.push_back("store.postgres.schema=" + queues.schema());
  }
  if (backends.broker == "rabbitmq") {
    defines.push_back("broker.rabbitmq.tasksQueue=" + queues.tasks);
    defines.push_back("broker.rabbitmq.resultsQueue=" + queues.results);
    defines.push_back("broker.rabbitmq.deadLetterQueue=" + queues.dead);
  }
  if (backends.broker == "proton") {
    defines.push_back("broker.proton.tasksAddress=/amq/queue/" + queues.tasks);
    defines.push_back("broker.proton.resultsAddress=/amq/queue/" + queues.results);
    defines.push_back("broker.proton.deadLetterAddress=/amq/queue/" + queues.dead);
  }
  return defines;
}

std::string QueueNames::schema() const {
  std::string name = "t_" + tasks.substr(0, tasks.rfind('.'));
  for (char& c : name) {
    if (c == '.' || c == '-') c = '_';
  }
  return name;
}

void declareQueues(const QueueNames& queues, std::uint16_t port) {
  Poco::AutoPtr<Poco::Util::MapConfiguration> config = new Poco::Util::MapConfiguration;
  config->setString("broker.rabbitmq.port", std::to_string(port));
  config->setString("broker.rabbitmq.tasksQueue", queues.tasks);
  config->setString("broker.rabbitmq.resultsQueue", queues.results);
  config->setString("broker.rabbitmq.deadLetterQueue", queues.dead);
  auto broker = plugin::PluginLoader(pluginDir()).createBroker("rabbitmq", *config);
  if (!broker.isOk()) throw std::runtime_error(broker.status().toString());
  if (Status started = broker.value()->start(); !started.isOk()) {
    throw std::runtime_error(started.toString());
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!broker.value()->health().isOk() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const bool declared = broker.value()->health().isOk();
  broker.value()->stop();
  if (!declared) throw std::runtime_error("could not declare the test queues");
}

namespace {

// The host's folder (its log), its SQLite file with the journal files beside
// it, and its PostgreSQL schema, for the password leak check.
void rememberWhatTheHostWrites(const std::string& dir, const std::vector<std::string>& defines) {
  rememberWrittenPath(dir);
  const std::string sqlitePath = "store.sqlite.path=";
  const std::string postgresSchema = "store.postgres.schema=";
  for (const auto& define : defines) {
    if (define.rfind(sqlitePath, 0) == 0) {
      const std::string file = define.substr(sqlitePath.size());
      for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        rememberWrittenPath(file + suffix);
    }
    if (define.rfind(postgresSchema, 0) == 0) {
      rememberPostgresSchema(define.substr(postgresSchema.size()));
    }
  }
}

// The ready file names every endpoint the host listens on (API and ops,
// HTTPS and HTTP): all of them answer as service-b.yaml says, under the
// status-line policy the last -D setting chose.
void describeEndpoints(const Poco::JSON::Object& ready, const std::vector<std::string>& defines) {
  const std::string key = "api.statusLinePolicy=";
  std::string policy = "mirror";
  for (const auto& define : defines) {
    if (define.rfind(key, 0) == 0) policy = define.substr(key.size());
  }
  for (const auto& [endpoint, port] : ready) {
    if (port.isInteger()) describeService(port.convert<std::uint16_t>(), "service-b", policy);
  }
}

}  // namespace

RunningHost::RunningHost(const std::string& dir, const RunningStub& stub,
                         const std::vector<std::string>& defines)
    : RunningHost(dir, stub.httpsPort(), defines) {}

RunningHost::RunningHost(const std::string& dir, std::uint16_t stubHttpsPort,
                         const std::vector<std::string>& defines) {
  std::vector<std::string> args{
      "-Dhost.pluginDir=" + pluginDir(),
      "-Dhost.readyFile=" + dir + "/host.ready",
      "-Dapi.https.port=0",
      "-Dapi.tls.certificateFile=" + certDir() + "/server.pem",
      "-Dapi.tls.privateKeyFile=" + certDir() + "/server.key",
      "-Dworker.serviceUrl=https://127.0.0.1:" + std::to_string(stubHttpsPort),
      "-Dworker.caFile=" + certDir() + "/ca.pem",
      "-Dworker.threads=8",
      "-Dworker.retryInitialBackoffMs=100",
      "-Dworker.retryMaxBackoffMs=1000",
      "-Doutbox.sweepIntervalMs=200",
      "-Doutbox.sweepMinAgeMs=500",
      // Tests end with tasks still held by the stub: hand them back quickly.
      // Tests of the grace period set their own.
      "-Dhost.shutdownGraceSeconds=2",
      "-Dapi.auth.tokens.suite.sha256=" + std::string(kSuiteTokenSha256),
      "-Dapi.auth.tokens.suite.scopes=tasks:write,tasks:read,ops:read",
      "-Dsecurity.credentialsKeyFile=" + suiteCredentialsKeyFile(),
  };
  if (servicesRunWithJsonLogs()) {
    args.push_back("-Dlogging.format=json");
    rememberJsonLogFile(dir + "/host.log");
  }
  if (passwordLeaksWatched()) args.push_back("-Dlogging.loggers.root.level=trace");
  for (const auto& define : defines) args.push_back("-D" + define);
  rememberWhatTheHostWrites(dir, defines);
  process_ =
      std::make_unique<ServiceProcess>(hostBinary(), args, dir + "/host.ready", dir + "/host.log");
  ready_ = process_->waitReady(std::chrono::seconds(60));
  if (ready_->has("https")) {
    api_.emplace("127.0.0.1", port("https"), certDir() + "/ca.pem", kSuiteToken);
  }
  describeEndpoints(*ready_, defines);
}

std::uint16_t RunningHost::port(const std::string& endpoint) const {
  return ready_->has(endpoint) ? ready_->getValue<std::uint16_t>(endpoint) : 0;
}

bool RunningHost::awaitReady(std::chrono::seconds limit) const {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (api().get("/readyz").status != 200) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

bool RunningHost::awaitMetric(const std::string& series, double value,
                              std::chrono::seconds limit) const {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (metricValue(api().get("/metrics").body, series) != value) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

namespace {

// A series as the exposition writes it: its name and its labels, in any order.
struct Series {
  std::string name;
  std::map<std::string, std::string> labels;
  bool operator==(const Series& other) const {
    return name == other.name && labels == other.labels;
  }
};

// Reads NAME or NAME{a="x",b="y"} from the start of `text`; `end` is set
// past it. Empty if the label set is malformed.
std::optional<Series> parseSeries(const std::string& text, std::size_t& end) {
  Series series;
  std::size_t at = text.find_first_of("{ ");
  series.name = text.substr(0, at);
  if (at == std::string::npos || text[at] != '{') {
    end = at == std::string::npos ? text.size() : at;
    return series;
  }
  ++at;
  while (at < text.size() && text[at] != '}') {
    const std::size_t equals = text.find("=\"", at);
    if (equals == std::string::npos) return std::nullopt;
    std::string value;
    std::size_t next = equals + 2;
    for (; next < text.size() && text[next] != '"'; ++next) {
      if (text[next] == '\\' && next + 1 < text.size()) ++next;  // escaped, kept as written
      value += text[next];
    }
    if (next >= text.size()) return std::nullopt;
    series.labels[text.substr(at, equals - at)] = value;
    at = next + 1;
    if (at < text.size() && text[at] == ',') ++at;
  }
  if (at >= text.size()) return std::nullopt;
  end = at + 1;
  return series;
}

}  // namespace

std::optional<double> metricValue(const std::string& exposition, const std::string& series) {
  std::size_t ignored = 0;
  const std::optional<Series> wanted = parseSeries(series, ignored);
  if (!wanted) return std::nullopt;
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::size_t end = 0;
    const std::optional<Series> found = parseSeries(line, end);
    if (found && *found == *wanted && end < line.size()) return std::stod(line.substr(end + 1));
  }
  return std::nullopt;
}

void deleteQueues(const QueueNames& queues) {
  for (const auto& name : {queues.tasks, queues.results, queues.dead}) {
    // amqp-tools speaks AMQP directly: far faster than starting rabbitmqctl's VM.
    const std::string command =
        "amqp-delete-queue --server=127.0.0.1 --queue='" + name + "' >/dev/null 2>&1";
    if (std::system(command.c_str()) != 0) continue;  // best effort: it may not exist
  }
  // The PostgreSQL schema of the same name, if a host made one, once its
  // rows are kept for the password leak check.
  if (!keepPostgresRows(queues.schema())) return;  // the check tries again at the end
  const std::string dropSchema = "psql '" + std::string(kPostgresTestConnection) +
                                 "' -qc 'DROP SCHEMA IF EXISTS \"" + queues.schema() +
                                 "\" CASCADE' >/dev/null 2>&1";
  if (std::system(dropSchema.c_str()) != 0) return;  // best effort: the server may be down
}

void stopRabbitMq() {
  if (std::system("rabbitmqctl -q stop_app >/dev/null 2>&1") != 0) {
    throw std::runtime_error("rabbitmqctl stop_app failed");
  }
}

void startRabbitMq() {
  if (std::system("rabbitmqctl -q start_app >/dev/null 2>&1 && "
                  "rabbitmqctl -q await_startup --timeout 60 >/dev/null 2>&1") != 0) {
    throw std::runtime_error("rabbitmqctl start_app failed");
  }
}

void publishRaw(const std::string& queue, const std::string& body) {
  const std::string command =
      "amqp-publish --server=127.0.0.1 --routing-key='" + queue + "' --persistent";
  FILE* pipe = ::popen(command.c_str(), "w");
  if (pipe == nullptr) throw std::runtime_error("cannot run amqp-publish");
  const bool written = std::fwrite(body.data(), 1, body.size(), pipe) == body.size();
  if (::pclose(pipe) != 0 || !written) throw std::runtime_error("amqp-publish failed for " + queue);
}

std::vector<std::string> drainQueue(const std::string& queue) {
  std::vector<std::string> bodies;
  const std::string command = "amqp-get --server=127.0.0.1 --queue='" + queue + "' 2>/dev/null";
  while (true) {
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("cannot run amqp-get");
    std::string body;
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
      body.append(buffer, n);
    if (::pclose(pipe) != 0) return bodies;  // amqp-get fails on an empty queue
    bodies.push_back(body);
  }
}

namespace {

void closeDescriptorsOnExec() {
  DIR* fds = ::opendir("/proc/self/fd");
  if (fds == nullptr) return;
  const int own = ::dirfd(fds);
  while (const dirent* entry = ::readdir(fds)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0') continue;  // "." and ".."
    if (fd > STDERR_FILENO && fd != own) ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
  }
  ::closedir(fds);
}

}  // namespace

std::uint16_t freeLoopbackPort() {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  const std::uint16_t port = socket.address().port();
  socket.close();
  return port;
}

void stopPostgres() {
  if (std::system("pg_ctlcluster 15 main stop -m fast >/dev/null 2>&1") != 0) {
    throw std::runtime_error("pg_ctlcluster stop failed");
  }
}

void startPostgres() {
  // The server outlives this process: it must not inherit our descriptors,
  // one of which may be the flock serialising tests that share the servers.
  closeDescriptorsOnExec();
  if (std::system("pg_ctlcluster 15 main start >/dev/null 2>&1") != 0) {
    throw std::runtime_error("pg_ctlcluster start failed");
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::system("pg_isready -q -h 127.0.0.1 -p 5432") != 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("PostgreSQL did not accept connections in time");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::unique_ptr<TaskStore> openStore(const Backends& backends, const QueueNames& queues,
                                     const std::string& dataDir) {
  Poco::AutoPtr<Poco::Util::MapConfiguration> config = new Poco::Util::MapConfiguration;
  const std::string prefix = "store." + backends.store + ".";
  for (const auto& define : backendDefines(backends, queues, dataDir)) {
    if (define.rfind(prefix, 0) != 0) continue;
    const std::size_t equals = define.find('=');
    config->setString(define.substr(0, equals), define.substr(equals + 1));
  }
  auto store = plugin::PluginLoader(pluginDir()).createStore(backends.store, *config);
  if (!store.isOk()) throw std::runtime_error(store.status().toString());
  return std::move(store).value();
}

}  // namespace cpe::testing
