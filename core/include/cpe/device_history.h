#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "cpe/provisioning_request.h"
#include "cpe/sdk/task_store.h"

namespace cpe {

// A device's history as B serves it (api-contract.md, "Waiting and
// history"): GET /api/v1/equipment/cpe/{id}/tasks?limit=L&after=CURSOR
// answers that device's tasks newest first, a page at a time, never their
// parameters.

// A page holds `limit` tasks: 20 unless the request says, at most 100, so
// one request reads a bounded slice of the store.
inline constexpr std::size_t kDefaultHistoryLimit = 20;
inline constexpr std::size_t kMaxHistoryLimit = 100;

// A history request's query, validated.
struct HistoryQuery {
  std::size_t limit = kDefaultHistoryLimit;
  std::optional<TaskPosition> after;  // the page starts after this task
};

// The query's parameters (decoded names and values, as Poco::URI gives
// them): `limit` an integer from 1 to kMaxHistoryLimit, `after` a cursor as
// `next` gave it. Other parameters are ignored. A value out of its rule, or
// `limit` or `after` given twice: 400 naming the parameter.
std::variant<HistoryQuery, RequestError> parseHistoryQuery(
    const std::vector<std::pair<std::string, std::string>>& parameters);

// The cursor of a position: base64url, no padding, of
// "<createdAt ms>.<task id>". Opaque to clients: the contract promises only
// that `after` takes what `next` gave.
std::string encodeHistoryCursor(const TaskPosition& position);
// The position in `cursor`; nullopt unless it is exactly what
// encodeHistoryCursor() makes for a task id of the API's form
// (isTaskIdForm), so no odd bytes reach a query or a log line.
std::optional<TaskPosition> decodeHistoryCursor(std::string_view cursor);

// One page of a device's history.
struct HistoryPage {
  std::vector<TaskSummary> tasks;    // newest first
  std::optional<TaskPosition> next;  // where the next page starts; none on the last
};

// The 200 answer:
//   {"code":200,"tasks":[{"taskId":"…","status":"completed","code":200,
//    "createdAt":"…","finishedAt":"…"}],"next":"CURSOR"}
// `status` is the task's lifecycle name (queued, completed,
// equipment_not_found, failed) and `code` the one the task's status GET
// answers in its body (204 while queued); `finishedAt` is null while queued;
// `next` is absent on the last page.
std::string historyAnswer(const HistoryPage& page);

}  // namespace cpe
