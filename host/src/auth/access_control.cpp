#include "auth/access_control.h"

#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/String.h>

#include <algorithm>
#include <cmath>

namespace cpe::host::auth {
namespace {

constexpr std::string_view kBearerPrefix = "bearer ";

std::optional<Scope> scopeFor(Need need) {
  switch (need) {
    case Need::kTasksWrite:
      return Scope::kTasksWrite;
    case Need::kTasksRead:
      return Scope::kTasksRead;
    case Need::kOpsRead:
      return Scope::kOpsRead;
    case Need::kNothing:
    case Need::kCaller:
      break;
  }
  return std::nullopt;
}

// The subject of the client's certificate, empty without one. The TLS
// handshake has already checked it against the configured client CA.
std::string certificateSubject(const Poco::Net::HTTPServerRequest& request) {
  // Poco hands request factories a const request, and its socket accessor
  // is not const; reading the peer certificate changes nothing.
  auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(
      const_cast<Poco::Net::HTTPServerRequest*>(&request));
  if (impl == nullptr || !impl->secure()) return {};
  const Poco::Net::SecureStreamSocket socket(impl->socket());
  if (!socket.havePeerCertificate()) return {};
  return socket.peerCertificate().subjectName();
}

// The token of "Authorization: Bearer <token>" (the scheme in any case,
// RFC 9110 11.1); empty without one.
std::string bearerToken(const Poco::Net::HTTPServerRequest& request) {
  const std::string& value = request.get("Authorization", "");
  if (value.size() <= kBearerPrefix.size() ||
      Poco::icompare(value.substr(0, kBearerPrefix.size()), std::string(kBearerPrefix)) != 0) {
    return {};
  }
  return Poco::trim(value.substr(kBearerPrefix.size()));
}

}  // namespace

AccessControl::AccessControl(const AuthOptions& options)
    : enabled_(options.enabled), registry_(options.tokens) {
  for (const ApiToken& token : registry_.tokens()) {
    const double rate =
        token.requestsPerSecond > 0 ? token.requestsPerSecond : options.requestsPerSecond;
    if (rate <= 0) continue;
    const double burst = options.burst > 0 ? options.burst : std::max(1.0, std::ceil(rate));
    limiter_.limit(token.name, rate, burst);
  }
}

const ApiToken* AccessControl::identify(const Poco::Net::HTTPServerRequest& request) const {
  if (const ApiToken* byCertificate = registry_.findBySubject(certificateSubject(request))) {
    return byCertificate;
  }
  const std::string token = bearerToken(request);
  return token.empty() ? nullptr : registry_.findByBearer(token);
}

Verdict AccessControl::check(const Poco::Net::HTTPServerRequest& request, Need need) {
  Verdict verdict;
  if (!enabled_ || need == Need::kNothing) return verdict;
  const ApiToken* caller = identify(request);
  if (caller == nullptr) {
    verdict.kind = Verdict::Kind::kUnauthorized;
    return verdict;
  }
  verdict.caller = caller->name;
  if (const auto scope = scopeFor(need); scope && !caller->scopes.has(*scope)) {
    verdict.kind = Verdict::Kind::kForbidden;
    return verdict;
  }
  if (const auto wait = limiter_.take(caller->name)) {
    verdict.kind = Verdict::Kind::kRateLimited;
    verdict.retryAfter = *wait;
  }
  return verdict;
}

}  // namespace cpe::host::auth
