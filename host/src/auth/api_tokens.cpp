#include "auth/api_tokens.h"

#include <Poco/Base64Encoder.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <sstream>
#include <stdexcept>

#include "cpe/hex.h"

namespace cpe::host::auth {
namespace {

constexpr std::size_t kTokenBytes = 32;

}  // namespace

Sha256 sha256(std::string_view bytes) {
  Sha256 digest{};
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest.data());
  return digest;
}

std::optional<Sha256> parseSha256Hex(std::string_view hex) {
  Sha256 digest{};
  if (!fromHex(hex, digest.data(), digest.size())) return std::nullopt;
  return digest;
}

std::string toHex(const Sha256& digest) { return cpe::toHex(digest.data(), digest.size()); }

bool isValidCallerName(std::string_view name) {
  constexpr std::size_t kMaxLength = 64;
  return !name.empty() && name.size() <= kMaxLength &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
         });
}

const ApiToken* TokenRegistry::findByBearer(std::string_view bearer) const {
  const Sha256 presented = sha256(bearer);
  const ApiToken* found = nullptr;
  for (const ApiToken& token : tokens_) {
    if (!token.tokenHash) continue;
    const bool same =
        CRYPTO_memcmp(presented.data(), token.tokenHash->data(), presented.size()) == 0;
    if (same && found == nullptr) found = &token;
  }
  return found;
}

const ApiToken* TokenRegistry::findBySubject(std::string_view subject) const {
  if (subject.empty()) return nullptr;
  for (const ApiToken& token : tokens_) {
    if (token.certificateSubject == subject) return &token;
  }
  return nullptr;
}

NewToken makeNewToken() {
  unsigned char random[kTokenBytes];
  if (RAND_bytes(random, sizeof random) != 1) {
    throw std::runtime_error("OpenSSL's random generator failed");
  }
  std::ostringstream encoded;
  Poco::Base64Encoder encoder(encoded, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
  encoder.rdbuf()->setLineLength(0);
  encoder.write(reinterpret_cast<const char*>(random), sizeof random);
  encoder.close();
  NewToken made;
  made.token = "cpe_" + encoded.str();
  made.sha256Hex = toHex(sha256(made.token));
  return made;
}

}  // namespace cpe::host::auth
