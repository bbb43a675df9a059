#include "cpe/server/http/json_response.h"

#include "cpe/json_answer.h"

namespace cpe::http {

void sendJson(Poco::Net::HTTPServerResponse& response, int httpStatus, const std::string& body) {
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(httpStatus));
  response.setContentType("application/json");
  response.setContentLength64(static_cast<Poco::Int64>(body.size()));
  response.sendBuffer(body.data(), body.size());
}

void sendMessage(Poco::Net::HTTPServerResponse& response, int httpStatus,
                 std::string_view message) {
  sendJson(response, httpStatus, jsonAnswer(httpStatus, message));
}

}  // namespace cpe::http
