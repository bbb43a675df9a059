#pragma once

#include <Poco/Net/HTTPServerRequest.h>

#include <cstddef>
#include <optional>
#include <string>

namespace cpe::http {

// Reads a request body of at most `limit` bytes. Returns nullopt when the
// body is larger (by Content-Length or, for chunked bodies, by reading one
// byte past the limit) without buffering more than limit + 1 bytes; the
// excess is read and dropped up to 1 MiB so the client can read the answer.
// The caller must then close the connection: the rest may still be unread.
std::optional<std::string> readBoundedBody(Poco::Net::HTTPServerRequest& request,
                                           std::size_t limit);

// Reads and drops the request body, up to 1 MiB, so an answer sent without
// looking at the body does not leave unread bytes behind: closing a socket
// with unread input makes the kernel send a reset, which can destroy the
// answer before the client reads it. Returns false if the body was larger;
// the caller must then close the connection.
bool discardBody(Poco::Net::HTTPServerRequest& request);

}  // namespace cpe::http
