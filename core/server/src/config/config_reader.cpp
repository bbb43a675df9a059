#include "cpe/server/config/config_reader.h"

#include <Poco/Exception.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>

#include <cmath>
#include <sstream>

namespace cpe::config {
namespace {

template <typename T>
std::string rangeText(T min, T max) {
  std::ostringstream text;
  text << "from " << min << " to " << max;
  return text.str();
}

ConfigError badValue(const std::string& key, const std::string& value,
                     const std::string& expected) {
  return ConfigError("configuration key " + key + " = '" + value + "': expected " + expected);
}

}  // namespace

std::string ConfigReader::getString(const std::string& key, const std::string& fallback) {
  known_.insert(key);
  return config_.getString(key, fallback);
}

int ConfigReader::getInt(const std::string& key, int fallback, int min, int max) {
  known_.insert(key);
  if (!config_.hasProperty(key)) return fallback;
  const std::string raw = Poco::trim(config_.getString(key));
  int value = 0;
  if (!Poco::NumberParser::tryParse(raw, value) || value < min || value > max) {
    throw badValue(key, raw, "an integer " + rangeText(min, max));
  }
  return value;
}

double ConfigReader::getDouble(const std::string& key, double fallback, double min, double max) {
  known_.insert(key);
  if (!config_.hasProperty(key)) return fallback;
  const std::string raw = Poco::trim(config_.getString(key));
  double value = 0;
  if (!Poco::NumberParser::tryParseFloat(raw, value) || !std::isfinite(value) || value < min ||
      value > max) {
    throw badValue(key, raw, "a number " + rangeText(min, max));
  }
  return value;
}

bool ConfigReader::getBool(const std::string& key, bool fallback) {
  known_.insert(key);
  if (!config_.hasProperty(key)) return fallback;
  const std::string raw = Poco::trim(config_.getString(key));
  bool value = false;
  if (!Poco::NumberParser::tryParseBool(raw, value)) {
    throw badValue(key, raw, "true or false");
  }
  return value;
}

std::vector<std::string> ConfigReader::getList(const std::string& key) {
  const std::string raw = getString(key, "");
  const Poco::StringTokenizer items(
      raw, ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
  return {items.begin(), items.end()};
}

std::vector<std::string> ConfigReader::childNames(const std::string& prefix) const {
  Poco::Util::AbstractConfiguration::Keys children;
  config_.keys(prefix, children);
  return children;
}

void ConfigReader::collectKeys(const std::string& prefix, std::vector<std::string>& out) const {
  Poco::Util::AbstractConfiguration::Keys children;
  config_.keys(prefix, children);
  if (children.empty()) {
    out.push_back(prefix);
    return;
  }
  for (const auto& child : children) {
    std::string key = prefix;
    key.append(".").append(child);
    collectKeys(key, out);
  }
}

void ConfigReader::refuseUnknownKeys(const std::string& prefix) const {
  std::vector<std::string> present;
  collectKeys(prefix, present);
  std::string unknown;
  for (const auto& key : present) {
    if (key == prefix || known_.count(key) != 0) continue;
    unknown += (unknown.empty() ? "" : ", ") + key;
  }
  if (!unknown.empty()) throw ConfigError("unknown configuration key(s): " + unknown);
}

}  // namespace cpe::config
