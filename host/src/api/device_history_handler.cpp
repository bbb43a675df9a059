#include "api/device_history_handler.h"

#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/URI.h>

#include <variant>

#include "cpe/device_history.h"
#include "cpe/equipment_id.h"
#include "cpe/json_answer.h"
#include "cpe/server/http/json_response.h"

namespace cpe::host::api {
namespace {

// Answers through the status-line policy, as the task endpoints do. No
// history answer carries code 204, so only `envelope` changes a status line.
void answer(const ApiContext& context, Poco::Net::HTTPServerResponse& response, int code,
            const std::string& body) {
  http::sendJson(response, statusLineFor(context.statusLinePolicy, code).httpStatus, body);
}

}  // namespace

void DeviceHistoryHandler::handleRequest(Poco::Net::HTTPServerRequest& request,
                                         Poco::Net::HTTPServerResponse& response) {
  if (!isValidEquipmentId(equipmentId_)) {
    answer(context_, response, 404, jsonAnswer(404, answers::kEquipmentNotFound));
    return;
  }
  Poco::URI::QueryParameters parameters;
  try {
    parameters = Poco::URI(request.getURI()).getQueryParameters();
  } catch (const Poco::Exception&) {
    // The router parsed this URI already; a query Poco cannot decode is the
    // client's malformed input all the same.
    answer(context_, response, 400, jsonAnswer(400, "the query string is malformed"));
    return;
  }
  const auto query = parseHistoryQuery(parameters);
  if (const auto* error = std::get_if<RequestError>(&query)) {
    answer(context_, response, error->httpStatus, jsonAnswer(error->httpStatus, error->message));
    return;
  }
  const auto page = context_.service.history(equipmentId_, std::get<HistoryQuery>(query));
  if (!page.isOk()) {
    // A refusal that keeps its status line under every policy (api-contract.md).
    Poco::Logger::get("api").warning("store: %s", page.status().toString());
    response.set("Retry-After", std::to_string(context_.retryAfterSeconds));
    http::sendMessage(response, 503, answers::kUnavailable);
    return;
  }
  answer(context_, response, 200, historyAnswer(page.value()));
}

}  // namespace cpe::host::api
