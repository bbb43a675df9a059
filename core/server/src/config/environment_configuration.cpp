#include "cpe/server/config/environment_configuration.h"

#include <Poco/Environment.h>
#include <Poco/Exception.h>

#include <cctype>

namespace cpe::config {

std::string EnvironmentConfiguration::variableFor(const std::string& key) {
  std::string name = "CPE_";
  for (char c : key) {
    name += (c == '.') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

bool EnvironmentConfiguration::getRaw(const std::string& key, std::string& value) const {
  const std::string name = variableFor(key);
  if (!Poco::Environment::has(name)) return false;
  value = Poco::Environment::get(name);
  return true;
}

void EnvironmentConfiguration::setRaw(const std::string& key, const std::string&) {
  throw Poco::NotImplementedException("environment configuration is read-only", key);
}

// Environment names lose the keys' case, so keys cannot be listed; the layer
// only answers lookups of keys the program already knows.
void EnvironmentConfiguration::enumerate(const std::string&, Keys&) const {}

}  // namespace cpe::config
