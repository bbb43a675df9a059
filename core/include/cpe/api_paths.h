#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cpe {

// The resource paths of the provisioning API:
//   /api/v1/equipment/cpe/{id}              (create / configure)
//   /api/v1/equipment/cpe/{id}/task/{task}  (task status, service B)
//   /api/v1/equipment/cpe/{id}/tasks        (the device's history, service B)
// Matching is structural: {id} and {task} are any non-empty segment, so the
// caller can answer "equipment not found" for an id of the wrong shape
// rather than a generic 404.
struct EquipmentPath {
  std::string equipmentId;
  std::optional<std::string> taskId;  // set for the task-status path only
};

// `path` is the decoded path without query string. nullopt for any other path.
std::optional<EquipmentPath> matchEquipmentPath(std::string_view path);

// The {id} of a device's history path (any non-empty segment, as above);
// nullopt for any other path.
std::optional<std::string> matchHistoryPath(std::string_view path);

// The path of the create/configure resource of a device:
// "/api/v1/equipment/cpe/" + equipmentId (a validated id: nothing to encode).
std::string equipmentPath(std::string_view equipmentId);

// The percent-decoded path of a request URI ("/a%42c?x=1" → "/aBc");
// nullopt for a URI that does not parse.
std::optional<std::string> decodedPath(const std::string& uri);

}  // namespace cpe
