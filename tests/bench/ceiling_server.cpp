// cpe-bench-ceiling: the ceiling the benchmark suite measures B against
// (style.md, "Measured ceilings"): a bare Poco HTTPServer that answers every
// request with 200 and one fixed JSON body the size of B's answer to a POST,
// with nothing behind it: no store, no broker, no validation. Loopback only.
//   cpe-bench-ceiling --certificate FILE --private-key FILE [--threads 128]
//                     [--port 0] [--ready-file FILE] [--plain]
// TLS as B's listener has it: TLS 1.2 at least, the same cipher list, no
// client certificates. --plain serves HTTP instead. Once serving, it writes
// {"pid":…,"https":port} (or "http") to the ready file, as cpe-host does, and
// runs until SIGTERM or SIGINT.
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/NullStream.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>
#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>

namespace {

constexpr const char* kBody = R"({"code":200,"taskId":"00000000-0000-0000-0000-000000000000"})";
constexpr const char* kCipherList = "HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES:!kRSA:!PSK:!SRP";

struct Options {
  std::string certificateFile;
  std::string privateKeyFile;
  std::string readyFile;
  int threads = 128;
  Poco::UInt16 port = 0;
  bool plain = false;
};

constexpr const char* kUsage =
    "usage: cpe-bench-ceiling --certificate FILE --private-key FILE [--threads N] [--port N]"
    " [--ready-file FILE] [--plain]";

// Reads the command line into `options`; returns the problem, or "" if none.
std::string parseOptions(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--plain") {
      options.plain = true;
      continue;
    }
    if (i + 1 >= argc) return flag + " needs a value";
    const std::string value = argv[++i];
    try {
      if (flag == "--certificate") {
        options.certificateFile = value;
      } else if (flag == "--private-key") {
        options.privateKeyFile = value;
      } else if (flag == "--ready-file") {
        options.readyFile = value;
      } else if (flag == "--threads") {
        options.threads = std::stoi(value);
        if (options.threads < 1) return "--threads must be at least 1";
      } else if (flag == "--port") {
        const int port = std::stoi(value);
        if (port < 0 || port > 65535) return "--port must be 0 to 65535";
        options.port = static_cast<Poco::UInt16>(port);
      } else {
        return "unknown option " + flag;
      }
    } catch (const std::logic_error&) {  // std::stoi: not a number, or out of range
      std::string problem = flag;
      problem.append(" expects a number, not '").append(value).append("'");
      return problem;
    }
  }
  if (!options.plain && (options.certificateFile.empty() || options.privateKeyFile.empty())) {
    return "--certificate and --private-key are needed (or --plain)";
  }
  return "";
}

class FixedAnswer final : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    // Read the body, or the connection cannot carry the next request.
    Poco::NullOutputStream discard;
    Poco::StreamCopier::copyStream(request.stream(), discard);
    response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    response.setContentType("application/json");
    response.sendBuffer(kBody, std::char_traits<char>::length(kBody));
  }
};

class FixedAnswerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest& /*request*/) override {
    return new FixedAnswer;
  }
};

Poco::Net::ServerSocket openSocket(const Options& options) {
  const Poco::Net::SocketAddress address("127.0.0.1", options.port);
  if (options.plain) {
    Poco::Net::ServerSocket socket;
    socket.bind(address, /*reuseAddress=*/true);
    socket.listen(1024);
    return socket;
  }
  Poco::Net::Context::Params params;
  params.certificateFile = options.certificateFile;
  params.privateKeyFile = options.privateKeyFile;
  params.verificationMode = Poco::Net::Context::VERIFY_NONE;
  params.loadDefaultCAs = false;
  params.cipherList = kCipherList;
  Poco::Net::Context::Ptr context =
      new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
  context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  context->preferServerCiphers();
  Poco::Net::SecureServerSocket socket(context);
  socket.bind(address, /*reuseAddress=*/true);
  socket.listen(1024);
  return socket;
}

// Written whole under another name first, so a reader never sees half of it.
void writeReadyFile(const std::string& path, bool plain, Poco::UInt16 port) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary);
    out << R"({"pid":)" << ::getpid() << R"(,")" << (plain ? "http" : "https") << R"(":)" << port
        << "}";
    if (!out.flush()) throw std::runtime_error("cannot write " + temporary);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    throw std::runtime_error("cannot rename " + temporary + " to " + path);
  }
}

int serve(const Options& options, const sigset_t& stopSignals) {
  Poco::Net::ServerSocket socket = openSocket(options);
  const Poco::UInt16 port = socket.address().port();

  // Poco's default pool holds 16 threads, and each keep-alive connection
  // keeps one: a pool of its own serves all the connections at once.
  Poco::ThreadPool pool(/*minCapacity=*/2, options.threads);
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(options.threads);
  params->setMaxQueued(1000);
  params->setKeepAlive(true);
  Poco::Net::HTTPServer server(new FixedAnswerFactory, pool, socket, params);
  server.start();
  if (!options.readyFile.empty()) writeReadyFile(options.readyFile, options.plain, port);

  int signal = 0;
  sigwait(&stopSignals, &signal);
  server.stopAll(/*abortCurrent=*/true);
  pool.joinAll();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Options options;
    if (const std::string problem = parseOptions(argc, argv, options); !problem.empty()) {
      std::cerr << "cpe-bench-ceiling: " << problem << "\n" << kUsage << "\n";
      return 2;
    }
    // Blocked before any thread starts, so that every thread inherits the
    // mask and only sigwait() in serve() takes them. A client gone
    // mid-answer must not end the process.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
    if (std::signal(SIGPIPE, SIG_IGN) == SIG_ERR) return 1;

    Poco::Net::initializeSSL();
    int status = 1;
    try {
      status = serve(options, stopSignals);
    } catch (const Poco::Exception& error) {
      std::cerr << "cpe-bench-ceiling: " << error.displayText() << "\n";
    } catch (const std::exception& error) {
      std::cerr << "cpe-bench-ceiling: " << error.what() << "\n";
    }
    Poco::Net::uninitializeSSL();
    return status;
  } catch (...) {
    return 1;  // out of memory writing an error: nothing better to do
  }
}
