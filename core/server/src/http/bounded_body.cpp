#include "cpe/server/http/bounded_body.h"

#include <algorithm>
#include <istream>

#include "connection_deadlines.h"

namespace cpe::http {
namespace {

// An oversized body is read and dropped up to this much before answering, so
// the client is not reset mid-upload and gets to read the 413. Beyond it, the
// connection is simply closed.
constexpr std::streamsize kMaxDiscardBytes = 1 << 20;

void discardRest(std::istream& in) { in.ignore(kMaxDiscardBytes); }

// A chunked body's first read; later ones double what has come so far.
constexpr std::size_t kFirstChunkedRead = 4096;

// Reads at most `most` bytes into `bytes`, the first read `first` bytes
// long: the buffer grows with what arrives instead of being zero-filled to
// the limit for every request (64 KiB per POST; 5% of the host's CPU).
std::size_t readAtMost(std::istream& in, std::string& bytes, std::size_t most, std::size_t first) {
  std::size_t received = 0;
  std::size_t step = std::min(first, most);
  while (step > 0) {
    bytes.resize(received + step);
    in.read(bytes.data() + received, static_cast<std::streamsize>(step));
    const auto got = static_cast<std::size_t>(in.gcount());
    received += got;
    if (got < step) break;  // the body's end, or a read error
    step = std::min(most - received, received);
  }
  return received;
}

}  // namespace

bool discardBody(Poco::Net::HTTPServerRequest& request) {
  // Without a length or chunking, Poco reads a body until the peer closes:
  // not worth waiting for.
  if (!request.hasContentLength() && !request.getChunkedTransferEncoding()) {
    const std::string& method = request.getMethod();
    return method == "GET" || method == "HEAD" || method == "DELETE";
  }
  std::istream& in = request.stream();
  in.ignore(kMaxDiscardBytes);
  ConnectionDeadlines::disarm();
  return in.eof();
}

BoundedBody readBoundedBody(Poco::Net::HTTPServerRequest& request, std::size_t limit) {
  BoundedBody body;
  // Poco would read such a body until the peer closes, which a client
  // trickling bytes can put off for ever, past every deadline.
  if (!request.hasContentLength() && !request.getChunkedTransferEncoding()) {
    ConnectionDeadlines::disarm();
    body.outcome = BoundedBody::Outcome::kLengthRequired;
    return body;
  }
  std::istream& in = request.stream();
  if (request.hasContentLength() &&
      request.getContentLength64() > static_cast<Poco::Int64>(limit)) {
    discardRest(in);
    ConnectionDeadlines::disarm();
    body.outcome = BoundedBody::Outcome::kTooLarge;
    return body;
  }
  // One byte past the announced length tells a body that ends as announced.
  const std::size_t firstRead = request.hasContentLength()
                                    ? static_cast<std::size_t>(request.getContentLength64()) + 1
                                    : kFirstChunkedRead;
  const std::size_t received = readAtMost(in, body.bytes, limit + 1, firstRead);
  if (received > limit) {
    discardRest(in);
    body.outcome = BoundedBody::Outcome::kTooLarge;
  } else if ((request.hasContentLength() &&
              static_cast<Poco::Int64>(received) < request.getContentLength64()) ||
             in.bad()) {
    // Fewer bytes than announced, or a read error. (Poco 1.11 ends a chunked
    // body cut short inside a chunk as if it were whole; only Content-Length
    // tells a cut-off body apart.)
    body.outcome = BoundedBody::Outcome::kCutOff;
  }
  ConnectionDeadlines::disarm();
  body.bytes.resize(body.outcome == BoundedBody::Outcome::kRead ? received : 0);
  return body;
}

}  // namespace cpe::http
