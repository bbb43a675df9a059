#include "ctl_options.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <cstdlib>
#include <set>
#include <string_view>
#include <utility>

namespace cpe::ctl {
namespace {

// Which commands accept an option: a bit per command.
enum CommandBits : unsigned {
  kPostBit = 1U << 0,
  kStatusBit = 1U << 1,
  kHistoryBit = 1U << 2,
  kEveryCommand = kPostBit | kStatusBit | kHistoryBit,
};

struct OptionSpec {
  std::string_view name;  // without the leading "--"
  bool takesValue;
  unsigned commands;
  bool repeatable;
};

constexpr OptionSpec kOptions[] = {
    {"url", true, kEveryCommand, false},
    {"ca-file", true, kEveryCommand, false},
    {"token", true, kEveryCommand, false},
    {"token-file", true, kEveryCommand, false},
    {"json", false, kEveryCommand, false},
    {"wait", false, kPostBit | kStatusBit, false},
    {"max-wait", true, kPostBit | kStatusBit, false},
    {"file", true, kPostBit, false},
    {"username", true, kPostBit, false},
    {"password", true, kPostBit, false},
    {"password-file", true, kPostBit, false},
    {"password-env", true, kPostBit, false},
    {"vlan", true, kPostBit, false},
    {"interface", true, kPostBit, true},
    {"timeout", true, kPostBit, false},
    {"idempotency-key", true, kPostBit, false},
    {"limit", true, kHistoryBit, false},
    {"after", true, kHistoryBit, false},
    {"all", false, kHistoryBit, false},
};

// The longest --max-wait: a week is far beyond any task (a worker holds one
// for 25 minutes at most) and keeps the arithmetic far from overflow.
constexpr std::int64_t kMaxWaitLimitSeconds = std::int64_t{7} * 24 * 3600;
// Numbers the service checks itself (vlan, timeout, interfaces, limit) are
// only read here; this bound keeps them integers JSON carries exactly.
constexpr std::int64_t kLargestNumber = 1'000'000'000'000;

struct GivenOption {
  const OptionSpec* spec;
  std::string value;
};

// What the command line holds, before it is checked against a command.
struct Tokens {
  std::vector<GivenOption> options;
  std::vector<std::string> operands;
  bool help = false;
  bool version = false;
};

const OptionSpec* findOption(std::string_view name) {
  for (const OptionSpec& spec : kOptions) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::variant<Tokens, UsageError> tokenize(const std::vector<std::string>& args) {
  Tokens tokens;
  bool optionsEnded = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (optionsEnded || arg.size() < 2 || arg[0] != '-') {
      tokens.operands.push_back(arg);
      continue;
    }
    if (arg == "--") {
      optionsEnded = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      tokens.help = true;
      continue;
    }
    if (arg == "--version") {
      tokens.version = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) return UsageError{"unknown option " + arg};
    const std::size_t equals = arg.find('=');
    const std::string name = arg.substr(2, equals == std::string::npos ? equals : equals - 2);
    const OptionSpec* spec = findOption(name);
    if (spec == nullptr) return UsageError{"unknown option --" + name};
    GivenOption given{spec, ""};
    if (equals != std::string::npos) {
      if (!spec->takesValue) return UsageError{"--" + name + " takes no value"};
      given.value = arg.substr(equals + 1);
    } else if (spec->takesValue) {
      if (i + 1 == args.size()) return UsageError{"--" + name + " needs a value"};
      given.value = args[++i];
    }
    tokens.options.push_back(std::move(given));
  }
  return tokens;
}

std::optional<Command> commandNamed(const std::string& name) {
  if (name == "post") return Command::kPost;
  if (name == "status") return Command::kStatus;
  if (name == "history") return Command::kHistory;
  if (name == "help") return Command::kHelp;
  return std::nullopt;
}

unsigned bitOf(Command command) {
  switch (command) {
    case Command::kPost:
      return kPostBit;
    case Command::kStatus:
      return kStatusBit;
    case Command::kHistory:
      return kHistoryBit;
    default:
      return 0;
  }
}

const char* nameOf(Command command) {
  switch (command) {
    case Command::kPost:
      return "post";
    case Command::kStatus:
      return "status";
    case Command::kHistory:
      return "history";
    case Command::kHelp:
      return "help";
    case Command::kVersion:
      return "version";
  }
  return "";
}

// A whole decimal number from 0 to `largest`: digits only, no sign, no
// spaces, so "1e3", "+5" and "0x10" are refused rather than half read.
std::optional<std::int64_t> wholeNumber(const std::string& text, std::int64_t largest) {
  if (text.empty() || text.size() > 13) return std::nullopt;
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > largest) return std::nullopt;
  return value;
}

// `source` names where the URL came from: --url or CPE_URL.
std::optional<UsageError> checkUrl(const std::string& url, const std::string& source) {
  const UsageError error{source + " must be http(s)://HOST[:PORT][/PATH], not \"" + url + "\""};
  try {
    const Poco::URI uri(url);
    const bool schemeKnown = uri.getScheme() == "https" || uri.getScheme() == "http";
    if (!schemeKnown || uri.getHost().empty() || !uri.getRawQuery().empty() ||
        !uri.getFragment().empty() || !uri.getUserInfo().empty()) {
      return error;
    }
  } catch (const Poco::Exception&) {
    return error;
  }
  return std::nullopt;
}

std::optional<std::string> nonEmpty(const EnvironmentLookup& environment, const char* name) {
  std::optional<std::string> value = environment(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

// Applies one option to `invocation`; a UsageError when its value is wrong.
std::optional<UsageError> apply(const GivenOption& given, Invocation& invocation) {
  const std::string_view name = given.spec->name;
  const std::string& value = given.value;
  const auto number = [&](std::optional<std::int64_t>& out) -> std::optional<UsageError> {
    out = wholeNumber(value, kLargestNumber);
    if (!out)
      return UsageError{"--" + std::string(name) + " must be a whole number, not \"" + value +
                        "\""};
    return std::nullopt;
  };
  PostOptions& post = invocation.post;
  if (name == "url") {
    invocation.connection.url = value;
    return checkUrl(value, "--url");
  }
  if (name == "ca-file") invocation.connection.caFile = value;
  if (name == "token") invocation.connection.token = value;
  if (name == "token-file") invocation.connection.tokenFile = value;
  if (name == "json") invocation.json = true;
  if (name == "wait") invocation.wait.wait = true;
  if (name == "max-wait") {
    const auto seconds = wholeNumber(value, kMaxWaitLimitSeconds);
    if (!seconds || *seconds < 1) {
      return UsageError{"--max-wait must be a number of seconds from 1 to " +
                        std::to_string(kMaxWaitLimitSeconds) + ", not \"" + value + "\""};
    }
    invocation.wait.maxWait = std::chrono::seconds(*seconds);
  }
  if (name == "file") post.requestFile = value;
  if (name == "username") post.username = value;
  if (name == "password") post.password = {PasswordSource::Kind::kLiteral, value};
  if (name == "password-file") post.password = {PasswordSource::Kind::kFile, value};
  if (name == "password-env") post.password = {PasswordSource::Kind::kEnvironment, value};
  if (name == "vlan") return number(post.vlan);
  if (name == "timeout") return number(post.timeoutSeconds);
  if (name == "idempotency-key") post.idempotencyKey = value;
  if (name == "interface") {
    std::size_t start = 0;
    while (true) {
      const std::size_t comma = value.find(',', start);
      const auto one = wholeNumber(value.substr(start, comma - start), kLargestNumber);
      if (!one)
        return UsageError{"--interface takes numbers such as 1 or 1,2,3, not \"" + value + "\""};
      post.interfaces.push_back(*one);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  if (name == "limit") return number(invocation.history.limit);
  if (name == "after") invocation.history.after = value;
  if (name == "all") invocation.history.all = true;
  return std::nullopt;
}

std::optional<UsageError> applyOptions(const Tokens& tokens, Invocation& invocation) {
  std::set<std::string_view> seen;
  bool passwordGiven = false;
  for (const GivenOption& given : tokens.options) {
    const std::string name(given.spec->name);
    if ((given.spec->commands & bitOf(invocation.command)) == 0) {
      return UsageError{std::string(nameOf(invocation.command)) + " takes no --" + name};
    }
    if (!given.spec->repeatable && !seen.insert(given.spec->name).second) {
      return UsageError{"--" + name + " given twice"};
    }
    if (name.rfind("password", 0) == 0) {
      if (passwordGiven) {
        return UsageError{"give one of --password-file, --password-env and --password"};
      }
      passwordGiven = true;
    }
    if (auto error = apply(given, invocation)) return error;
  }
  if (invocation.connection.token && invocation.connection.tokenFile) {
    return UsageError{"give one of --token and --token-file"};
  }
  if (invocation.wait.maxWait && !invocation.wait.wait) {
    return UsageError{"--max-wait needs --wait"};
  }
  return std::nullopt;
}

// The command's operands, by name, in order.
std::optional<UsageError> applyOperands(const std::vector<std::string>& operands,
                                        Invocation& invocation) {
  std::vector<std::string*> slots;
  std::string usage;
  switch (invocation.command) {
    case Command::kPost:
      slots = {&invocation.post.device};
      usage = "post DEVICE";
      break;
    case Command::kStatus:
      slots = {&invocation.status.device, &invocation.status.task};
      usage = "status DEVICE TASK";
      break;
    case Command::kHistory:
      slots = {&invocation.history.device};
      usage = "history DEVICE";
      break;
    default:
      return std::nullopt;
  }
  if (operands.size() != slots.size()) return UsageError{"usage: cpe-ctl " + usage + " [OPTIONS]"};
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (operands[i].empty()) return UsageError{"usage: cpe-ctl " + usage + ": empty operand"};
    *slots[i] = operands[i];
  }
  return std::nullopt;
}

void applyEnvironment(const EnvironmentLookup& environment, Connection& connection,
                      const std::set<std::string_view>& given) {
  if (given.count("url") == 0) {
    if (auto url = nonEmpty(environment, "CPE_URL")) connection.url = *url;
  }
  if (given.count("ca-file") == 0) {
    if (auto caFile = nonEmpty(environment, "CPE_CA_FILE")) connection.caFile = *caFile;
  }
  if (given.count("token") == 0 && given.count("token-file") == 0) {
    connection.token = nonEmpty(environment, "CPE_TOKEN");
  }
}

}  // namespace

EnvironmentLookup processEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::variant<Invocation, UsageError> parseCommandLine(const std::vector<std::string>& args,
                                                      const EnvironmentLookup& environment) {
  auto tokenized = tokenize(args);
  if (auto* error = std::get_if<UsageError>(&tokenized)) return *error;
  const Tokens& tokens = std::get<Tokens>(tokenized);

  Invocation invocation;
  std::optional<Command> command;
  if (!tokens.operands.empty()) {
    command = commandNamed(tokens.operands.front());
    if (!command) return UsageError{"unknown command \"" + tokens.operands.front() + "\""};
  }
  if (tokens.version && !tokens.help) {
    invocation.command = Command::kVersion;
    return invocation;
  }
  if (tokens.help || !command || *command == Command::kHelp) {
    if (!tokens.help && !command) return UsageError{"no command given"};
    invocation.command = Command::kHelp;
    std::optional<Command> topic = command;
    if (topic == Command::kHelp && tokens.operands.size() > 1) {
      topic = commandNamed(tokens.operands[1]);
      if (!topic) return UsageError{"no help on \"" + tokens.operands[1] + "\""};
    }
    invocation.helpTopic = topic.value_or(Command::kHelp);
    return invocation;
  }

  invocation.command = *command;
  const std::vector<std::string> operands(tokens.operands.begin() + 1, tokens.operands.end());
  if (auto error = applyOperands(operands, invocation)) return *error;
  if (auto error = applyOptions(tokens, invocation)) return *error;
  std::set<std::string_view> given;
  for (const GivenOption& option : tokens.options) given.insert(option.spec->name);
  applyEnvironment(environment, invocation.connection, given);
  if (given.count("url") == 0) {
    if (auto error = checkUrl(invocation.connection.url, "CPE_URL")) return *error;
  }
  return invocation;
}

}  // namespace cpe::ctl
