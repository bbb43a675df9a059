#include "ctl_program.h"

#include <Poco/Exception.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/URI.h>

#include <fstream>

#include "api_client.h"
#include "commands.h"
#include "secrets.h"
#include "usage_text.h"

namespace cpe::ctl {
namespace {

// OpenSSL set up for the process's lifetime, and torn down after.
class SslLibrary {
 public:
  SslLibrary() { Poco::Net::initializeSSL(); }
  ~SslLibrary() { Poco::Net::uninitializeSSL(); }
  SslLibrary(const SslLibrary&) = delete;
  SslLibrary& operator=(const SslLibrary&) = delete;
};

std::variant<Poco::Net::Context::Ptr, UsageError> tlsFor(const Connection& connection) {
  if (Poco::URI(connection.url).getScheme() != "https") return Poco::Net::Context::Ptr();
  if (!connection.caFile.empty() && !std::ifstream(connection.caFile)) {
    return UsageError{"--ca-file " + connection.caFile + ": cannot be read"};
  }
  try {
    return makeTlsContext(connection.caFile);
  } catch (const Poco::Exception& error) {
    return UsageError{"--ca-file " + connection.caFile + ": " + error.displayText()};
  }
}

std::variant<std::optional<std::string>, UsageError> tokenFor(const Connection& connection) {
  if (!connection.tokenFile) return connection.token;
  auto token = readSecretFile("--token-file", *connection.tokenFile);
  if (auto* error = std::get_if<UsageError>(&token)) return *error;
  return std::optional<std::string>(std::get<std::string>(token));
}

ExitCode run(const std::vector<std::string>& args, const EnvironmentLookup& environment,
             Console& console) {
  auto parsed = parseCommandLine(args, environment);
  if (auto* error = std::get_if<UsageError>(&parsed)) {
    fail(console, ExitCode::kUsage, error->message);
    console.err << "Try 'cpe-ctl --help'.\n";
    return ExitCode::kUsage;
  }
  const Invocation& invocation = std::get<Invocation>(parsed);
  if (invocation.command == Command::kVersion) {
    console.out << "cpe-ctl " << CPE_VERSION << "\n";
    return ExitCode::kOk;
  }
  if (invocation.command == Command::kHelp) {
    console.out << usageText(invocation.helpTopic);
    return ExitCode::kOk;
  }

  const SslLibrary ssl;
  auto tls = tlsFor(invocation.connection);
  if (auto* error = std::get_if<UsageError>(&tls)) {
    return fail(console, ExitCode::kUsage, error->message);
  }
  auto token = tokenFor(invocation.connection);
  if (auto* error = std::get_if<UsageError>(&token)) {
    return fail(console, ExitCode::kUsage, error->message);
  }
  const ApiClient client(invocation.connection.url, std::get<Poco::Net::Context::Ptr>(tls),
                         std::get<std::optional<std::string>>(token));
  switch (invocation.command) {
    case Command::kPost:
      return runPost(invocation, client, environment, console);
    case Command::kStatus:
      return runStatus(invocation, client, console);
    case Command::kHistory:
      return runHistory(invocation, client, console);
    default:
      return ExitCode::kInternal;
  }
}

}  // namespace

ExitCode runCtl(const std::vector<std::string>& args, const EnvironmentLookup& environment,
                Console& console) {
  try {
    return run(args, environment, console);
  } catch (const Poco::Exception& error) {
    return fail(console, ExitCode::kInternal, "unexpected error: " + error.displayText());
  } catch (const std::exception& error) {
    return fail(console, ExitCode::kInternal, std::string("unexpected error: ") + error.what());
  }
}

}  // namespace cpe::ctl
