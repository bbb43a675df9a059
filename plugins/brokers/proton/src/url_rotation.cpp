#include "url_rotation.h"

#include <algorithm>
#include <utility>

#include "cpe/sdk/plugin_settings.h"

namespace cpe::brokers::proton_amqp {
namespace {

bool startsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// Why `url` is no URL the plugin can dial; empty when it is one.
std::string flawOf(std::string_view url) {
  const std::string quoted = "'" + std::string(url) + "'";
  if (!startsWith(url, "amqp://") && !startsWith(url, "amqps://")) {
    return quoted + " is not an amqp:// or amqps:// URL";
  }
  if (url.find_first_of(" \t") != std::string_view::npos) return quoted + " holds a space";
  if (url.substr(url.find("://") + 3).empty()) return quoted + " has no host";
  return "";
}

}  // namespace

Result<std::vector<std::string>> parseUrlList(std::string_view text) {
  Result<std::vector<std::string_view>> entries = plugin::splitList(text);
  if (!entries.isOk()) return entries.status();
  std::vector<std::string> urls;
  for (const std::string_view entry : entries.value()) {
    std::string url(entry);
    if (std::string flaw = flawOf(url); !flaw.empty()) return Status::invalidArgument(flaw);
    if (std::find(urls.begin(), urls.end(), url) != urls.end()) {
      return Status::invalidArgument(url + " is listed twice");
    }
    urls.push_back(std::move(url));
  }
  return urls;
}

UrlRotation::UrlRotation(std::vector<std::string> urls) : urls_(std::move(urls)) {}

bool UrlRotation::moveOn() {
  index_ = (index_ + 1) % urls_.size();
  if (++failuresInTurn_ < urls_.size()) return false;
  failuresInTurn_ = 0;
  return true;
}

}  // namespace cpe::brokers::proton_amqp
