#include "secrets.h"

#include <fstream>

namespace cpe::ctl {

std::variant<std::string, UsageError> readSecretFile(const std::string& option,
                                                     const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return UsageError{option + " " + path + ": cannot be read"};
  std::string line;
  std::getline(in, line);
  if (in.bad()) return UsageError{option + " " + path + ": cannot be read"};
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::variant<std::string, UsageError> readSecretVariable(const std::string& option,
                                                         const std::string& name,
                                                         const EnvironmentLookup& environment) {
  std::optional<std::string> value = environment(name);
  if (!value) return UsageError{option + " " + name + ": the variable is not set"};
  return *value;
}

}  // namespace cpe::ctl
