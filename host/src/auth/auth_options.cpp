#include "auth/auth_options.h"

#include <Poco/AutoPtr.h>
#include <Poco/Exception.h>
#include <Poco/Util/PropertyFileConfiguration.h>


namespace cpe::host::auth {
namespace {

using config::ConfigError;
using config::ConfigReader;

constexpr double kMaxRequestsPerSecond = 1e6;

ConfigError unknownScope(const std::string& setting, const std::string& scope) {
  return ConfigError(setting + ": unknown scope '" + scope +
                     "' (tasks:write, tasks:read, ops:read)");
}

// One caller under `prefix` ("api.auth.tokens.portal" or, in a tokens
// file, "portal").
ApiToken readToken(ConfigReader& reader, const std::string& prefix, const std::string& name,
                   const std::string& where) {
  if (!isValidCallerName(name)) {
    throw ConfigError(where + ": token name '" + name +
                      "': expected 1 to 64 letters, digits, '-' or '_'");
  }
  ApiToken token;
  token.name = name;
  const std::string key = prefix.empty() ? name + "." : prefix + "." + name + ".";
  const std::string hash = reader.getString(key + "sha256", "");
  if (!hash.empty()) {
    token.tokenHash = parseSha256Hex(hash);
    if (!token.tokenHash) {
      throw ConfigError(where + ": " + key + "sha256: expected the 64 hex digits of a SHA-256 "
                        "(cpe-host --new-token NAME prints one)");
    }
  }
  token.certificateSubject = reader.getString(key + "certificateSubject", "");
  if (!token.tokenHash && token.certificateSubject.empty()) {
    throw ConfigError(where + ": " + key + "sha256 or " + key +
                      "certificateSubject is needed, or nobody can be this caller");
  }
  const std::string scopesSetting = where + ": " + key + "scopes";
  for (const std::string& scopeText : reader.getList(key + "scopes")) {
    const auto scope = parseScope(scopeText);
    if (!scope) throw unknownScope(scopesSetting, scopeText);
    token.scopes.add(*scope);
  }
  if (token.scopes.empty()) {
    throw ConfigError(where + ": " + key + "scopes: give at least one of tasks:write, "
                      "tasks:read, ops:read");
  }
  token.requestsPerSecond =
      reader.getDouble(key + "requestsPerSecond", 0, 0, kMaxRequestsPerSecond);
  return token;
}

void readTokensFile(const std::string& path, std::vector<ApiToken>& tokens) {
  Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> file;
  try {
    file = new Poco::Util::PropertyFileConfiguration(path);
  } catch (const Poco::Exception& error) {
    throw ConfigError("api.auth.tokensFile = " + path + ": " + error.displayText());
  }
  ConfigReader reader(*file);
  const std::string where = "api.auth.tokensFile " + path;
  for (const std::string& name : reader.childNames("")) {
    tokens.push_back(readToken(reader, "", name, where));
    reader.refuseUnknownKeys(name);
  }
}

void refuseDuplicates(const std::vector<ApiToken>& tokens) {
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    for (std::size_t j = i + 1; j < tokens.size(); ++j) {
      if (tokens[i].name == tokens[j].name) {
        throw ConfigError("api.auth: token '" + tokens[i].name + "' is configured twice");
      }
      if (tokens[i].tokenHash && tokens[i].tokenHash == tokens[j].tokenHash) {
        throw ConfigError("api.auth: tokens '" + tokens[i].name + "' and '" + tokens[j].name +
                          "' have the same sha256: one token must name one caller");
      }
    }
  }
}

}  // namespace

AuthOptions readAuthOptions(ConfigReader& reader, bool servesApi) {
  AuthOptions auth;
  auth.enabled = reader.getBool("api.auth.enabled", true);
  for (const std::string& name : reader.childNames("api.auth.tokens")) {
    auth.tokens.push_back(readToken(reader, "api.auth.tokens", name, "api.auth.tokens"));
  }
  const std::string tokensFile = reader.getString("api.auth.tokensFile", "");
  const std::string ops = reader.getString("api.auth.opsEndpoints", "token");
  if (ops != "token" && ops != "open") {
    throw ConfigError("api.auth.opsEndpoints = '" + ops + "': expected token or open");
  }
  auth.opsOpenOnApiPort = ops == "open";
  auth.opsPortNeedsToken = reader.getBool("ops.endpointsNeedToken", false);
  if (auth.opsPortNeedsToken && !auth.enabled) {
    // Without authentication nothing checks a token: the ops port would be
    // open although the operator asked for the opposite.
    throw ConfigError(
        "ops.endpointsNeedToken = true needs api.auth.enabled = true (with it off, no token is "
        "checked anywhere)");
  }
  auth.requestsPerSecond =
      reader.getDouble("api.auth.rateLimit.requestsPerSecond", 0, 0, kMaxRequestsPerSecond);
  auth.burst = reader.getDouble("api.auth.rateLimit.burst", 0, 0, kMaxRequestsPerSecond);

  // A host that checks no caller (a worker, say) needs no callers file.
  const bool checksCallers = auth.enabled && (servesApi || auth.opsPortNeedsToken);
  if (checksCallers && !tokensFile.empty()) readTokensFile(tokensFile, auth.tokens);
  refuseDuplicates(auth.tokens);
  if (checksCallers && auth.tokens.empty()) {
    throw ConfigError(
        "api.auth.enabled = true but no caller is configured: add api.auth.tokens.NAME.sha256 "
        "and .scopes (cpe-host --new-token NAME prints a token and its hash) or "
        "api.auth.tokensFile, or set api.auth.enabled = false (development only)");
  }
  return auth;
}

}  // namespace cpe::host::auth
