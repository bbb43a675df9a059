#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/scopes.h"

namespace cpe::host::auth {

using Sha256 = std::array<unsigned char, 32>;

Sha256 sha256(std::string_view bytes);
// 64 lower- or upper-case hex digits; nullopt for anything else.
std::optional<Sha256> parseSha256Hex(std::string_view hex);
std::string toHex(const Sha256& digest);

// A caller B knows, by name. The name is what logs and metrics show; the
// token itself is never kept, only its SHA-256.
struct ApiToken {
  std::string name;
  std::optional<Sha256> tokenHash;  // unset: the caller comes by certificate only
  // The subject of a client certificate that stands for this caller, as
  // `openssl x509 -noout -subject -nameopt RFC2253,-dn_rev` prints it
  // ("C=DE,O=Operator,CN=portal"); empty: none.
  std::string certificateSubject;
  ScopeSet scopes;
  double requestsPerSecond = 0;  // the caller's own rate limit; 0: the default
};

// The configured callers, looked up by what a request presents.
class TokenRegistry {
 public:
  explicit TokenRegistry(std::vector<ApiToken> tokens) : tokens_(std::move(tokens)) {}

  // The caller whose token hashes to the hash of `bearer`. Every configured
  // hash is compared, each in constant time, so the time taken tells nothing
  // about which bytes matched.
  const ApiToken* findByBearer(std::string_view bearer) const;
  const ApiToken* findBySubject(std::string_view subject) const;
  const std::vector<ApiToken>& tokens() const { return tokens_; }

 private:
  std::vector<ApiToken> tokens_;
};

// A caller's name: 1 to 64 letters, digits, '-' or '_' (it is a config key).
bool isValidCallerName(std::string_view name);

// A new random token (256 bits, base64url, prefixed "cpe_" so secret
// scanners can spot one) and the hash a config names it by.
struct NewToken {
  std::string token;
  std::string sha256Hex;
};
NewToken makeNewToken();

}  // namespace cpe::host::auth
