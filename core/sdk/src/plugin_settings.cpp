#include "cpe/sdk/plugin_settings.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>

namespace cpe::plugin {

std::string SettingsReader::value(std::string_view name) const {
  const auto found = settings_.find(std::string(name));
  if (found != settings_.end()) return found->second;
  for (std::size_t i = 0; i < keyCount_; ++i) {
    if (name == keys_[i].name) return keys_[i].defaultValue;
  }
  return {};
}

Status SettingsReader::readInt(std::string_view name, int min, int max, int& out) const {
  const std::string text = value(name);
  int parsed = 0;
  const char* end = text.data() + text.size();
  const auto [next, error] = std::from_chars(text.data(), end, parsed);
  if (text.empty() || error != std::errc() || next != end || parsed < min || parsed > max) {
    return refused(name, text,
                   "a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  }
  out = parsed;
  return Status::ok();
}

Status SettingsReader::readBool(std::string_view name, bool& out) const {
  const std::string text = value(name);
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "true" || lower == "yes" || lower == "on" || lower == "1") {
    out = true;
  } else if (lower == "false" || lower == "no" || lower == "off" || lower == "0") {
    out = false;
  } else {
    return refused(name, text, "true or false");
  }
  return Status::ok();
}

Status SettingsReader::readFile(std::string_view name, std::string& out) const {
  out = value(name);
  if (!out.empty() && !std::ifstream(out).good()) {
    return refused(name, out, "a file this process can read");
  }
  return Status::ok();
}

Status SettingsReader::refused(std::string_view name, const std::string& value,
                               std::string_view expected) const {
  return Status::invalidArgument(prefix_ + "." + std::string(name) + " is '" + value +
                                 "', expected " + std::string(expected));
}

Result<std::vector<std::string_view>> splitList(std::string_view text) {
  std::vector<std::string_view> entries;
  while (true) {
    const auto comma = text.find(',');
    std::string_view entry = text.substr(0, comma);
    const auto first = entry.find_first_not_of(" \t");
    if (first == std::string_view::npos) return Status::invalidArgument("an entry is empty");
    entry = entry.substr(first, entry.find_last_not_of(" \t") - first + 1);
    entries.push_back(entry);
    if (comma == std::string_view::npos) return entries;
    text.remove_prefix(comma + 1);
  }
}

}  // namespace cpe::plugin
