#pragma once

#include <Poco/Net/HTTPServerResponse.h>

#include <string>

namespace cpe::http {

// Sends `body` (a JSON document) with the given HTTP status. The body is sent
// whole with a Content-Length, so keep-alive clients can reuse the connection.
void sendJson(Poco::Net::HTTPServerResponse& response, int httpStatus, const std::string& body);

// Sends the contract's envelope {"code":httpStatus,"message":message}.
void sendMessage(Poco::Net::HTTPServerResponse& response, int httpStatus, std::string_view message);

}  // namespace cpe::http
