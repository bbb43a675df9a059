#pragma once

#include <string>
#include <string_view>

namespace cpe {

// The JSON envelope of every answer of both services (api-contract.md):
// a numeric `code` and either `message` or `taskId`. Strings are escaped, so
// any text is safe to pass.
std::string jsonAnswer(int code, std::string_view message);
std::string taskIdAnswer(std::string_view taskId);

// The fixed texts of the contract's answers, spelled once (not to be confused
// with the broker messages of messages.h).
namespace answers {
inline constexpr std::string_view kSuccess = "success";
inline constexpr std::string_view kCompleted = "Completed";
inline constexpr std::string_view kStillRunning = "Task is still running";
inline constexpr std::string_view kEquipmentNotFound = "The requested equipment is not found";
inline constexpr std::string_view kTaskNotFound = "The requested task is not found";
inline constexpr std::string_view kProvisioningFailed = "Internal provisioning exception";
inline constexpr std::string_view kNotFound = "Not found";
inline constexpr std::string_view kMethodNotAllowed = "Method not allowed";
inline constexpr std::string_view kUnavailable = "Service temporarily unavailable";
inline constexpr std::string_view kBodyCutOff = "The request body did not arrive in full";
inline constexpr std::string_view kLengthRequired = "Length required";
inline constexpr std::string_view kUnauthorized = "Unauthorized";
inline constexpr std::string_view kForbidden = "Forbidden";
inline constexpr std::string_view kTooManyRequests = "Too many requests";
}  // namespace answers

}  // namespace cpe
