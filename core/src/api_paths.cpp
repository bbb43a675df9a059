#include "cpe/api_paths.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>

namespace cpe {
namespace {

constexpr std::string_view kEquipmentPrefix = "/api/v1/equipment/cpe/";
constexpr std::string_view kTaskInfix = "/task/";
constexpr std::string_view kHistorySuffix = "/tasks";

bool isSegment(std::string_view text) {
  return !text.empty() && text.find('/') == std::string_view::npos;
}

}  // namespace

std::optional<EquipmentPath> matchEquipmentPath(std::string_view path) {
  if (path.substr(0, kEquipmentPrefix.size()) != kEquipmentPrefix) return std::nullopt;
  const std::string_view rest = path.substr(kEquipmentPrefix.size());

  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    if (!isSegment(rest)) return std::nullopt;
    return EquipmentPath{std::string(rest), std::nullopt};
  }

  const std::string_view id = rest.substr(0, slash);
  const std::string_view tail = rest.substr(slash);
  if (!isSegment(id) || tail.substr(0, kTaskInfix.size()) != kTaskInfix) return std::nullopt;
  const std::string_view task = tail.substr(kTaskInfix.size());
  if (!isSegment(task)) return std::nullopt;
  return EquipmentPath{std::string(id), std::string(task)};
}

std::optional<std::string> matchHistoryPath(std::string_view path) {
  if (path.substr(0, kEquipmentPrefix.size()) != kEquipmentPrefix) return std::nullopt;
  std::string_view id = path.substr(kEquipmentPrefix.size());
  if (id.size() <= kHistorySuffix.size() ||
      id.substr(id.size() - kHistorySuffix.size()) != kHistorySuffix) {
    return std::nullopt;
  }
  id.remove_suffix(kHistorySuffix.size());
  if (!isSegment(id)) return std::nullopt;
  return std::string(id);
}

std::string equipmentPath(std::string_view equipmentId) {
  std::string path(kEquipmentPrefix);
  path.append(equipmentId);
  return path;
}

std::optional<std::string> decodedPath(const std::string& uri) {
  try {
    return Poco::URI(uri).getPath();
  } catch (const Poco::Exception&) {
    return std::nullopt;
  }
}

}  // namespace cpe
