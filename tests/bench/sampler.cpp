// cpe-bench-sampler: the sampler of the e2e section of tests/bench/run.sh.
// One process on a fixed beat, so that watching 8,000 calls costs the
// machine little: the bash sampler it replaces started a dozen processes a
// sample (curl, awk, ss, sort) and took ~17% of both cores under perf.
//   cpe-bench-sampler --t0-file FILE --api-ops PORT --stub-pid PID
//                     --stub-port PORT [--every-ms 500] [--list-every-ms 500]
//                     WORKER_PID:OPS_PORT...
// Every --every-ms, one line on stdout (flushed):
//   1 seconds since the time in the t0 file (an EPOCHREALTIME; 0 until the
//     file exists), 2 tasks created and 3 results applied (the API host's
//     /metrics), 4 the stub's threads and 5 RSS (kB), 6 connections to the
//     stub that appeared since the last listing (every --list-every-ms;
//     0 in the lines between), 7 tasks the workers finished, 8 the seconds
//     and 9 the number of the workers' calls to A, then per worker its
//     threads, RSS (kB) and tasks in flight.
// A count that could not be read is "-" (not 0: a zero amid the counts would
// bend a slope). Runs until SIGTERM or SIGINT.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Timespan.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

struct Worker {
  int pid = 0;
  int opsPort = 0;
};

struct Options {
  std::string t0File;
  int apiOpsPort = 0;
  int stubPid = 0;
  int stubPort = 0;
  int everyMs = 500;
  int listEveryMs = 500;
  std::vector<Worker> workers;
};

constexpr const char* kUsage =
    "usage: cpe-bench-sampler --t0-file FILE --api-ops PORT --stub-pid PID --stub-port PORT"
    " [--every-ms N] [--list-every-ms N] WORKER_PID:OPS_PORT...";

int positive(const std::string& flag, const std::string& value) {
  const int number = std::stoi(value);
  if (number < 1) throw std::invalid_argument(flag + " must be at least 1");
  return number;
}

// Reads the command line into `options`; returns the problem, or "" if none.
std::string parseOptions(int argc, char** argv, Options& options) {
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string flag = argv[i];
      if (flag.rfind("--", 0) != 0) {
        const auto colon = flag.find(':');
        if (colon == std::string::npos) return "a worker is PID:OPS_PORT, not " + flag;
        options.workers.push_back({positive("a worker's pid", flag.substr(0, colon)),
                                   positive("a worker's port", flag.substr(colon + 1))});
        continue;
      }
      if (i + 1 >= argc) return flag + " needs a value";
      const std::string value = argv[++i];
      if (flag == "--t0-file") {
        options.t0File = value;
      } else if (flag == "--api-ops") {
        options.apiOpsPort = positive(flag, value);
      } else if (flag == "--stub-pid") {
        options.stubPid = positive(flag, value);
      } else if (flag == "--stub-port") {
        options.stubPort = positive(flag, value);
      } else if (flag == "--every-ms") {
        options.everyMs = positive(flag, value);
      } else if (flag == "--list-every-ms") {
        options.listEveryMs = positive(flag, value);
      } else {
        return "unknown option " + flag;
      }
    }
  } catch (const std::invalid_argument& problem) {  // std::stoi or positive()
    return problem.what();
  } catch (const std::out_of_range&) {
    return "a number is out of range";
  }
  if (options.t0File.empty() || options.apiOpsPort == 0 || options.stubPid == 0 ||
      options.stubPort == 0) {
    return "--t0-file, --api-ops, --stub-pid and --stub-port are required";
  }
  return "";
}

using Clock = std::chrono::system_clock;

// The time in the t0 file (seconds since the epoch, as bash's EPOCHREALTIME
// writes it), if the file is there yet.
std::optional<Clock::time_point> readT0(const std::string& file) {
  std::ifstream in(file);
  double seconds = 0;
  if (!(in >> seconds)) return std::nullopt;
  return Clock::time_point(
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds)));
}

// The sums of the named series of a host's /metrics (a name alone or with
// labels), or nothing if it did not answer within 5 s.
std::optional<std::map<std::string, double>> scrape(int port,
                                                    const std::vector<std::string>& names) {
  try {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    session.setTimeout(Poco::Timespan(5, 0));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/metrics",
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::istream& body = session.receiveResponse(response);
    if (response.getStatus() != Poco::Net::HTTPResponse::HTTP_OK) return std::nullopt;
    std::map<std::string, double> sums;
    for (const auto& name : names) sums[name] = 0;
    std::string line;
    while (std::getline(body, line)) {
      if (line.empty() || line[0] == '#') continue;
      const auto nameEnd = line.find_first_of("{ ");
      if (nameEnd == std::string::npos) continue;
      const auto found = sums.find(line.substr(0, nameEnd));
      if (found == sums.end()) continue;
      const auto valueStart = line.rfind(' ');
      found->second += std::stod(line.substr(valueStart + 1));
    }
    return sums;
  } catch (
      const std::exception&) {  // refused, timed out, cut short, or a value that is not a number
    return std::nullopt;
  }
}

// A process's threads and RSS (kB) from /proc/PID/status; 0 0 once it is gone.
std::string threadsAndRss(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string field;
  long threads = 0;
  long rss = 0;
  while (status >> field) {
    if (field == "Threads:") {
      status >> threads;
    } else if (field == "VmRSS:") {
      status >> rss;
    }
    status.ignore(4096, '\n');
  }
  return std::to_string(threads) + " " + std::to_string(rss);
}

// The remote ends ("address:port" in the kernel's hex) of the established
// TCP connections to local port `port`, from /proc/net/tcp and tcp6: one
// read of two files instead of ss and sort over 8,000 sockets.
std::set<std::string> establishedPeers(int port) {
  std::ostringstream hexPort;
  hexPort << ':' << std::uppercase << std::hex << std::setw(4) << std::setfill('0') << port;
  const std::string local = hexPort.str();
  std::set<std::string> peers;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot;
      std::string localAddress;
      std::string remoteAddress;
      std::string state;
      fields >> slot >> localAddress >> remoteAddress >> state;
      const bool toStub =
          localAddress.size() > local.size() &&
          localAddress.compare(localAddress.size() - local.size(), local.size(), local) == 0;
      if (toStub && state == "01") peers.insert(remoteAddress);  // 01: TCP_ESTABLISHED
    }
  }
  return peers;
}

const std::string kCreated = "cpe_tasks_created_total";
const std::string kApplied = "cpe_results_applied_total";
const std::string kFinished = "cpe_worker_tasks_finished_total";
const std::string kCallSeconds = "cpe_a_call_duration_seconds_sum";
const std::string kCalls = "cpe_a_call_duration_seconds_count";
const std::string kInFlight = "cpe_worker_tasks_in_flight";

class Sampler {
 public:
  explicit Sampler(Options options) : options_(std::move(options)) {}

  void run() {
    const auto every = std::chrono::milliseconds(options_.everyMs);
    auto beat = Clock::now();
    for (;;) {
      std::cout << sample() << std::endl;
      // A fixed beat: the next one after now, however long this one took.
      const auto now = Clock::now();
      while (beat <= now) beat += every;
      std::this_thread::sleep_until(beat);
    }
  }

 private:
  std::string sample() {
    // The time first, once, and the counts right after it; the slow part
    // (the listing of thousands of sockets) last.
    if (!t0_) t0_ = readT0(options_.t0File);
    const auto now = Clock::now();
    const double since = t0_ ? std::chrono::duration<double>(now - *t0_).count() : 0.0;
    std::ostringstream line;
    line.setf(std::ios::fixed);
    line.precision(2);
    line << since;

    const auto api = scrape(options_.apiOpsPort, {kCreated, kApplied});
    if (api) {
      line << ' ' << static_cast<long long>(api->at(kCreated)) << ' '
           << static_cast<long long>(api->at(kApplied));
    } else {
      line << " - -";
    }

    bool workersRead = true;
    double finished = 0;
    double callSeconds = 0;
    double calls = 0;
    std::ostringstream perWorker;
    for (const auto& worker : options_.workers) {
      perWorker << ' ' << threadsAndRss(worker.pid);
      const auto counts = scrape(worker.opsPort, {kFinished, kCallSeconds, kCalls, kInFlight});
      if (!counts) {
        workersRead = false;
        perWorker << " -";
        continue;
      }
      finished += counts->at(kFinished);
      callSeconds += counts->at(kCallSeconds);
      calls += counts->at(kCalls);
      perWorker << ' ' << static_cast<long long>(counts->at(kInFlight));
    }

    line << ' ' << threadsAndRss(options_.stubPid) << ' ' << newConnections(now);
    if (workersRead) {
      line << ' ' << static_cast<long long>(finished) << ' ' << std::setprecision(3) << callSeconds
           << ' ' << static_cast<long long>(calls);
    } else {
      line << " - - -";
    }
    line << perWorker.str();
    return line.str();
  }

  // Connections to the stub that appeared since the last listing, listed
  // every --list-every-ms (a connection lives at least as long as its call,
  // so each is seen once when that is below A's delay); 0 in between.
  long newConnections(Clock::time_point now) {
    if (listed_ && now - *listed_ < std::chrono::milliseconds(options_.listEveryMs)) return 0;
    listed_ = now;
    auto peers = establishedPeers(options_.stubPort);
    std::vector<std::string> appeared;
    std::set_difference(peers.begin(), peers.end(), peers_.begin(), peers_.end(),
                        std::back_inserter(appeared));
    peers_ = std::move(peers);
    return static_cast<long>(appeared.size());
  }

  Options options_;
  std::optional<Clock::time_point> t0_;
  std::optional<Clock::time_point> listed_;
  std::set<std::string> peers_;
};

}  // namespace

int main(int argc, char** argv) {
  Options options;
  const std::string problem = parseOptions(argc, argv, options);
  if (!problem.empty()) {
    std::cerr << "cpe-bench-sampler: " << problem << "\n" << kUsage << "\n";
    return 2;
  }
  Sampler(std::move(options)).run();
}
