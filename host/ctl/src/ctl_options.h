#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace cpe::ctl {

// cpe-ctl's command line, parsed and checked, before anything is read or
// sent. Every default is written where it is declared; README "cpe-ctl"
// and usageText() say the same.

enum class Command { kPost, kStatus, kHistory, kHelp, kVersion };

// Where the service is and how to trust and address it: flags first, then
// the environment (CPE_URL, CPE_CA_FILE, CPE_TOKEN), then the default.
struct Connection {
  std::string url = "https://localhost:8444";  // B's base URL; a path prefix is kept
  std::string caFile;  // PEM bundle that signs B's certificate; empty: the system's CAs
  // A bearer token, sent as "Authorization: Bearer …" and never printed;
  // none sends no Authorization header. --token-file names a file to read
  // it from (tokenFile), --token and CPE_TOKEN give it (token).
  std::optional<std::string> token;
  std::optional<std::string> tokenFile;
};

// --wait: follow the task until it is terminal, with long-polls
// (waitSeconds), for at most maxWait when given (none: until it ends).
struct WaitOptions {
  bool wait = false;
  std::optional<std::chrono::seconds> maxWait;
};

// Where the device password comes from. The command line is readable by
// every user of the machine (ps), so a file or a variable is preferred;
// --password is there for throwaway use.
struct PasswordSource {
  enum class Kind { kNone, kFile, kEnvironment, kLiteral };
  Kind kind = Kind::kNone;
  std::string value;  // the path, the variable's name, or the password itself
};

// `post DEVICE`: the request comes from --file (a JSON body; "-" is stdin)
// and the flags, which set their fields over it.
struct PostOptions {
  std::string device;
  std::optional<std::string> requestFile;
  std::optional<std::string> username;
  PasswordSource password;
  std::optional<std::int64_t> vlan;
  std::vector<std::int64_t> interfaces;  // --interface, repeatable, each a number or a list "1,2"
  std::optional<std::int64_t> timeoutSeconds;
  std::optional<std::string> idempotencyKey;
};

struct StatusOptions {
  std::string device;
  std::string task;
};

struct HistoryOptions {
  std::string device;
  std::optional<std::int64_t> limit;  // page size; none: the service's default (20)
  std::optional<std::string> after;   // a `next` cursor of an earlier page
  bool all = false;                   // follow `next` to the last page
};

struct Invocation {
  Command command = Command::kHelp;
  // kHelp: the command to describe; kHelp itself for the overview.
  Command helpTopic = Command::kHelp;
  Connection connection;
  bool json = false;  // print the final JSON answer only, for scripts
  WaitOptions wait;
  PostOptions post;
  StatusOptions status;
  HistoryOptions history;
};

struct UsageError {
  std::string message;
};

// The value of an environment variable; nullopt when it is not set.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;
// The process's own environment.
EnvironmentLookup processEnvironment();

// Parses `args` (argv without the program name). Options go before or
// after the command's operands, as `--name value` or `--name=value`; `--`
// ends them. A single-valued option given twice, an option of another
// command, a missing operand or value, or a number that is not one is a
// UsageError naming it. Nothing is read from files here.
std::variant<Invocation, UsageError> parseCommandLine(const std::vector<std::string>& args,
                                                      const EnvironmentLookup& environment);

}  // namespace cpe::ctl
