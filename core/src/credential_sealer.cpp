#include "cpe/credential_sealer.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "cpe/hex.h"

namespace cpe {
namespace {

constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kTagSize = 16;
constexpr std::size_t kIdSize = std::tuple_size<CredentialKey::Id>::value;
constexpr const char* kHowToMakeOne =
    "32 random bytes, or their 64 hex digits (head -c 32 /dev/urandom > FILE)";

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherContext newContext() {
  CipherContext context(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!context) throw std::bad_alloc();
  return context;
}

// The additional authenticated data: the task and the device the blob
// belongs to, unambiguously joined.
std::string associatedData(std::string_view taskId, std::string_view deviceId) {
  std::string data(taskId);
  data.push_back('\0');
  data.append(deviceId);
  return data;
}

const unsigned char* bytesOf(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

std::string hexOf(const CredentialKey::Id& id) { return toHex(id.data(), id.size()); }

std::string base64(std::string_view bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  encoder.close();
  return out.str();
}

bool unbase64(std::string_view text, std::string& bytes) {
  try {
    std::istringstream in{std::string(text)};
    Poco::Base64Decoder decoder(in);
    bytes.assign(std::istreambuf_iterator<char>(decoder), std::istreambuf_iterator<char>());
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

CredentialKey::CredentialKey(const std::array<std::uint8_t, kSize>& bytes) : bytes_(bytes) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(bytes_.data(), bytes_.size(), digest.data());
  std::copy_n(digest.begin(), id_.size(), id_.begin());
}

Result<CredentialKey> CredentialKey::fromFileContents(std::string_view contents) {
  std::array<std::uint8_t, kSize> bytes{};
  if (contents.size() == kSize) {
    std::copy(contents.begin(), contents.end(), bytes.begin());
    return CredentialKey(bytes);
  }
  std::string_view hex = contents;
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r')) hex.remove_suffix(1);
  if (!fromHex(hex, bytes.data(), bytes.size())) {
    return Status::invalidArgument("a credentials key is " + std::string(kHowToMakeOne));
  }
  return CredentialKey(bytes);
}

Result<CredentialKey> CredentialKey::fromFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status::invalidArgument("cannot read the credentials key file " + path);
  std::string contents((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  auto key = fromFileContents(contents);
  OPENSSL_cleanse(contents.data(), contents.size());
  if (!key.isOk()) return Status::invalidArgument(path + ": " + key.status().message());
  return key;
}

std::string CredentialKey::idHex() const { return hexOf(id_); }

CredentialSealer::CredentialSealer(const CredentialKey& current,
                                   std::vector<CredentialKey> previous)
    : current_(current), previous_(std::move(previous)) {}

bool CredentialSealer::looksSealed(std::string_view text) {
  // Parameters in the clear are a JSON object; base64 never starts with '{'.
  return !text.empty() && text.front() != '{';
}

const CredentialKey* CredentialSealer::keyFor(const CredentialKey::Id& id) const {
  if (current_.id() == id) return &current_;
  for (const CredentialKey& key : previous_) {
    if (key.id() == id) return &key;
  }
  return nullptr;
}

std::string CredentialSealer::seal(std::string_view plaintext, std::string_view taskId,
                                   std::string_view deviceId) const {
  std::array<unsigned char, kNonceSize> nonce{};
  if (RAND_bytes(nonce.data(), nonce.size()) != 1) {
    throw std::runtime_error("OpenSSL's random generator failed");
  }
  const std::string aad = associatedData(taskId, deviceId);
  std::string blob(kIdSize + kNonceSize + plaintext.size() + kTagSize, '\0');
  auto* out = reinterpret_cast<unsigned char*>(blob.data());
  std::copy(current_.id().begin(), current_.id().end(), out);
  std::copy(nonce.begin(), nonce.end(), out + kIdSize);
  unsigned char* ciphertext = out + kIdSize + kNonceSize;

  const CipherContext context = newContext();
  int length = 0;
  const bool sealed = EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr,
                                         current_.bytes().data(), nonce.data()) == 1 &&
                      EVP_EncryptUpdate(context.get(), nullptr, &length, bytesOf(aad),
                                        static_cast<int>(aad.size())) == 1 &&
                      EVP_EncryptUpdate(context.get(), ciphertext, &length, bytesOf(plaintext),
                                        static_cast<int>(plaintext.size())) == 1 &&
                      EVP_EncryptFinal_ex(context.get(), ciphertext + length, &length) == 1 &&
                      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, kTagSize,
                                          ciphertext + plaintext.size()) == 1;
  if (!sealed) throw std::runtime_error("OpenSSL could not seal with AES-256-GCM");
  return base64(blob);
}

Result<std::string> CredentialSealer::open(std::string_view sealed, std::string_view taskId,
                                           std::string_view deviceId) const {
  std::string blob;
  if (!looksSealed(sealed) || !unbase64(sealed, blob) ||
      blob.size() < kIdSize + kNonceSize + kTagSize) {
    return Status::invalidArgument("sealed parameters are malformed");
  }
  const auto* in = reinterpret_cast<const unsigned char*>(blob.data());
  CredentialKey::Id id{};
  std::copy_n(in, kIdSize, id.begin());
  const CredentialKey* key = keyFor(id);
  if (key == nullptr) {
    return Status::invalidArgument("sealed parameters name key " + hexOf(id) +
                                   ", which no configured credentials key is");
  }
  const unsigned char* nonce = in + kIdSize;
  const unsigned char* ciphertext = nonce + kNonceSize;
  const std::size_t ciphertextSize = blob.size() - kIdSize - kNonceSize - kTagSize;
  std::array<unsigned char, kTagSize> tag{};
  std::copy_n(ciphertext + ciphertextSize, kTagSize, tag.begin());

  const std::string aad = associatedData(taskId, deviceId);
  std::string plaintext(ciphertextSize, '\0');
  const CipherContext context = newContext();
  int length = 0;
  const bool opened =
      EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, key->bytes().data(), nonce) ==
          1 &&
      EVP_DecryptUpdate(context.get(), nullptr, &length, bytesOf(aad),
                        static_cast<int>(aad.size())) == 1 &&
      EVP_DecryptUpdate(context.get(), reinterpret_cast<unsigned char*>(plaintext.data()), &length,
                        ciphertext, static_cast<int>(ciphertextSize)) == 1 &&
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) == 1 &&
      EVP_DecryptFinal_ex(
          context.get(), reinterpret_cast<unsigned char*>(plaintext.data()) + length, &length) == 1;
  if (!opened) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return Status::invalidArgument(
        "sealed parameters fail authentication: changed, or sealed for another task");
  }
  return plaintext;
}

}  // namespace cpe
