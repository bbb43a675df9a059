#pragma once

#include <optional>
#include <string>
#include <utility>

namespace cpe {

// What went wrong, in terms that tell the caller whether retrying can help
// (after absl::StatusCode). Every port method returns one of these; each
// adapter maps its library's errors here in exactly one function.
enum class StatusCode {
  kOk,
  kInvalidArgument,  // the input can never succeed; do not retry
  kNotFound,         // the thing asked for does not exist
  kAlreadyExists,    // an insert met an existing key
  kUnavailable,      // a dependency is down or busy; retrying later can help
  kInternal,         // a bug or corrupt state; retrying will not help
  kUnimplemented,    // the plugin cannot do this at all (its protocol lacks it)
};

const char* statusCodeName(StatusCode code) noexcept;

class Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }
  static Status invalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status notFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status alreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status unimplemented(std::string m) {
    return {StatusCode::kUnimplemented, std::move(m)};
  }

  bool isOk() const { return code_ == StatusCode::kOk; }
  bool isRetryable() const { return code_ == StatusCode::kUnavailable; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "UNAVAILABLE: connection refused"
  std::string toString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or the Status that explains its absence.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool isOk() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  const T& value() const& { return *value_; }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace cpe
