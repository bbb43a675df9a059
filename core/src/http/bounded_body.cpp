#include "cpe/http/bounded_body.h"

#include <istream>

namespace cpe::http {
namespace {

// An oversized body is read and dropped up to this much before answering, so
// the client is not reset mid-upload and gets to read the 413. Beyond it, the
// connection is simply closed.
constexpr std::streamsize kMaxDiscardBytes = 1 << 20;

void discardRest(std::istream& in) { in.ignore(kMaxDiscardBytes); }

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
  return in.eof();
}

std::optional<std::string> readBoundedBody(Poco::Net::HTTPServerRequest& request,
                                           std::size_t limit) {
  std::istream& in = request.stream();
  if (request.hasContentLength() &&
      request.getContentLength64() > static_cast<Poco::Int64>(limit)) {
    discardRest(in);
    return std::nullopt;
  }
  std::string body;
  body.resize(limit + 1);
  in.read(body.data(), static_cast<std::streamsize>(body.size()));
  const auto received = static_cast<std::size_t>(in.gcount());
  if (received > limit) {
    discardRest(in);
    return std::nullopt;
  }
  body.resize(received);
  return body;
}

}  // namespace cpe::http
