#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cpe/sdk/status.h"

namespace cpe {

// A key that seals task parameters: 32 random bytes. Its id, the first four
// bytes of its SHA-256, travels with every blob it sealed, so a blob finds
// its key among the configured ones after a rotation.
class CredentialKey {
 public:
  static constexpr std::size_t kSize = 32;
  using Id = std::array<std::uint8_t, 4>;

  // From the contents of a key file: exactly 32 bytes, or their 64 hex
  // digits (a trailing newline allowed). InvalidArgument otherwise, saying
  // how to make one; the key itself is never in the message.
  static Result<CredentialKey> fromFileContents(std::string_view contents);
  static Result<CredentialKey> fromFile(const std::string& path);

  const std::array<std::uint8_t, kSize>& bytes() const { return bytes_; }
  const Id& id() const { return id_; }
  std::string idHex() const;  // for log lines: which key, never the key

 private:
  explicit CredentialKey(const std::array<std::uint8_t, kSize>& bytes);
  std::array<std::uint8_t, kSize> bytes_{};
  Id id_{};
};

// Seals a task's parameters with AES-256-GCM before they reach the store or
// the broker, and opens them just before a call to A (issue 11). The task id
// and device id are the additional authenticated data: a blob moved to
// another task does not open. Thread-safe (immutable).
//
// A sealed blob is the base64 of
//   key id (4) | nonce (12, random) | ciphertext | tag (16)
// (api-contract.md, task message version 2), told from parameters in the
// clear, a JSON object, by its first character.
class CredentialSealer {
 public:
  // Seals with `current`; opens blobs of `current` or any of `previous`.
  explicit CredentialSealer(const CredentialKey& current, std::vector<CredentialKey> previous = {});

  std::string seal(std::string_view plaintext, std::string_view taskId,
                   std::string_view deviceId) const;
  // The plaintext; InvalidArgument for text that is no sealed blob, a key id
  // no configured key has, or a blob that fails authentication (tampered
  // with, or sealed for another task).
  Result<std::string> open(std::string_view sealed, std::string_view taskId,
                           std::string_view deviceId) const;

  static bool looksSealed(std::string_view text);
  const CredentialKey& currentKey() const { return current_; }

 private:
  const CredentialKey* keyFor(const CredentialKey::Id& id) const;

  CredentialKey current_;
  std::vector<CredentialKey> previous_;
};

}  // namespace cpe
