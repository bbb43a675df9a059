#include "host_application.h"

#include <Poco/File.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Path.h>

#include <iostream>

#include "auth/api_tokens.h"
#include "cpe/credential_sealer.h"
#include "cpe/plugin_loader.h"
#include "cpe/server/http/certificate_handlers.h"
#include "cpe/server/process_limits.h"
#include "cpe/server/ready_file.h"
#include "host_options.h"
#include "host_runtime.h"

namespace cpe::host {
namespace {

// Installed, plugins live at CPE_PLUGIN_DIR_FROM_BINDIR from the binary's
// folder (/usr/bin -> /usr/lib/cpe/plugins); in the build tree, in
// plugins/ beside the binary's folder (build/host -> build/plugins).
std::string defaultPluginDir(const Poco::Util::AbstractConfiguration& config) {
  const Poco::Path binDir(config.getString("application.dir"));
  Poco::Path installed(binDir, Poco::Path(CPE_PLUGIN_DIR_FROM_BINDIR).makeDirectory());
  if (Poco::File(installed.makeAbsolute()).exists()) return installed.toString();
  Poco::Path built(binDir);
  built.popDirectory();
  built.pushDirectory("plugins");
  return built.toString();
}

// Prints a new token for `name` and the lines that let it in. The token is
// shown once and kept nowhere: B's config holds only its hash.
int printNewToken(const std::string& name) {
  if (!auth::isValidCallerName(name)) {
    std::cerr << "--new-token: the name must be 1 to 64 letters, digits, '-' or '_'\n";
    return Poco::Util::Application::EXIT_USAGE;
  }
  const auth::NewToken made = auth::makeNewToken();
  std::cout << "token: " << made.token << "\n"
            << "# Give the token to the caller (cpe-ctl --token-file FILE, or the header\n"
            << "# Authorization: Bearer TOKEN); it is not shown again. B's configuration\n"
            << "# (or api.auth.tokensFile, without the api.auth.tokens. prefix) gets:\n"
            << "api.auth.tokens." << name << ".sha256 = " << made.sha256Hex << "\n"
            << "api.auth.tokens." << name << ".scopes = tasks:write, tasks:read\n";
  return Poco::Util::Application::EXIT_OK;
}

// The sealer of security.*; null without a key file (plaintext allowed).
Result<std::unique_ptr<const CredentialSealer>> makeSealer(const SecurityOptions& security) {
  if (security.credentialsKeyFile.empty()) return std::unique_ptr<const CredentialSealer>();
  auto current = CredentialKey::fromFile(security.credentialsKeyFile);
  if (!current.isOk()) return Status::invalidArgument("security.credentialsKeyFile: " + current.status().message());
  std::vector<CredentialKey> previous;
  for (const std::string& file : security.previousCredentialsKeyFiles) {
    auto key = CredentialKey::fromFile(file);
    if (!key.isOk()) {
      return Status::invalidArgument("security.previousCredentialsKeyFiles: " +
                                     key.status().message());
    }
    previous.push_back(std::move(key).value());
  }
  return std::unique_ptr<const CredentialSealer>(
      std::make_unique<CredentialSealer>(std::move(current).value(), std::move(previous)));
}

}  // namespace

void HostApplication::defineOptions(Poco::Util::OptionSet& options) {
  ServerApplication::defineOptions(options);
  options.addOption(Poco::Util::Option("new-token", "",
                                       "print a new API token for caller NAME and the "
                                       "configuration lines that let it in, then exit")
                        .argument("NAME"));
}

void HostApplication::handleOption(const std::string& name, const std::string& value) {
  ServerApplication::handleOption(name, value);
  if (name == "new-token") newTokenFor_ = value;
}

std::string HostApplication::description() const {
  return "Service B (asynchronous CPE provisioning) and its worker. Every setting is a "
         "configuration key (see config/host-sqlite-rabbitmq.properties).";
}

int HostApplication::serve() {
  if (!newTokenFor_.empty()) return printNewToken(newTokenFor_);
  HostOptions options;
  try {
    options = readHostOptions(config(), defaultPluginDir(config()));
  } catch (const std::exception& error) {
    logger().fatal("configuration: %s", std::string(error.what()));
    return EXIT_CONFIG;
  }
  if (options.roles.worker && !options.worker.verifyPeer) {
    logger().warning(
        "worker.verifyPeer = false: A's certificate and host name are not checked, so anyone "
        "between this host and A can read the device credentials sent to it (development only)");
  }
  if (options.roles.api && !options.auth.enabled) {
    logger().warning(
        "api.auth.enabled = false: the API is open, anyone who reaches its port can post "
        "tasks that reconfigure devices and read any task (development only)");
  }
  std::unique_ptr<const CredentialSealer> sealer;
  if (auto made = makeSealer(options.security); made.isOk()) {
    sealer = std::move(made).value();
  } else {
    logger().fatal("configuration: %s", made.status().message());
    return EXIT_CONFIG;
  }
  if (sealer) {
    logger().information("device credentials sealed with key %s (%z earlier key(s) open old ones)",
                         sealer->currentKey().idHex(),
                         options.security.previousCredentialsKeyFiles.size());
  } else if (options.roles.api || options.roles.worker) {
    logger().warning(
        "security.allowPlaintextCredentials = true and no security.credentialsKeyFile: device "
        "passwords are stored and sent to the broker in the clear (development only)");
  }
  raiseOpenFileLimit();
  Poco::Net::initializeSSL();
  http::installRejectingCertificateHandlers();

  const plugin::PluginLoader loader(options.pluginDir);
  std::unique_ptr<TaskStore> store;
  if (options.roles.needsStore()) {
    auto created = loader.createStore(options.storePlugin, config());
    if (!created.isOk()) {
      logger().fatal("%s", created.status().message());
      return EXIT_CONFIG;
    }
    store = std::move(created).value();
  }
  auto broker = loader.createBroker(options.brokerPlugin, config());
  if (!broker.isOk()) {
    logger().fatal("%s", broker.status().message());
    return EXIT_CONFIG;
  }

  HostRuntime runtime(options, std::move(store), std::move(broker).value(), std::move(sealer),
                      logger());
  try {
    if (Status started = runtime.start(); !started.isOk()) {
      logger().fatal("cannot start: %s", started.toString());
      return EXIT_SOFTWARE;
    }
    if (!options.readyFile.empty()) writeReadyFile(options.readyFile, runtime.ports());
  } catch (const Poco::Exception& error) {
    logger().fatal("cannot start: %s", error.displayText());
    return EXIT_SOFTWARE;
  }
  logger().information("running roles:%s%s%s with store '%s' and broker '%s'",
                       std::string(options.roles.api ? " api" : ""),
                       std::string(options.roles.worker ? " worker" : ""),
                       std::string(options.roles.results ? " results" : ""),
                       options.roles.needsStore() ? options.storePlugin : std::string("none"),
                       options.brokerPlugin);

  waitForTerminationRequest();
  logger().information("stopping");
  runtime.stop();
  Poco::Net::uninitializeSSL();
  logger().information("stopped");
  return EXIT_OK;
}

}  // namespace cpe::host
