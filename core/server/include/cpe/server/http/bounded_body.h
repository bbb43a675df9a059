#pragma once

#include <Poco/Net/HTTPServerRequest.h>

#include <cstddef>
#include <string>

namespace cpe::http {

// What readBoundedBody() found.
struct BoundedBody {
  enum class Outcome {
    kRead,            // `bytes` is the whole body
    kTooLarge,        // over the limit: answer 413
    kCutOff,          // fewer bytes than Content-Length: the client closed or was
                      // too slow (requestBodyTimeoutSeconds); answer 408 at most
    kLengthRequired,  // neither Content-Length nor chunked: such a body ends
                      // only when the client closes, so it is not read; 411
  };
  Outcome outcome = Outcome::kRead;
  std::string bytes;
};

// Reads a request body of at most `limit` bytes, without buffering more than
// limit + 1 (a larger body is known by Content-Length or, chunked, by one
// byte past the limit; the excess is read and dropped up to 1 MiB so the
// client can read the answer). Unless the outcome is kRead the caller must
// close the connection: the rest may still be unread. A body only partly
// received is never taken for a whole one. Lifts the body deadline.
BoundedBody readBoundedBody(Poco::Net::HTTPServerRequest& request, std::size_t limit);

// Reads and drops the request body, up to 1 MiB, so an answer sent without
// looking at the body does not leave unread bytes behind: closing a socket
// with unread input makes the kernel send a reset, which can destroy the
// answer before the client reads it. Returns false if the body was larger;
// the caller must then close the connection. Lifts the body deadline.
bool discardBody(Poco::Net::HTTPServerRequest& request);

}  // namespace cpe::http
