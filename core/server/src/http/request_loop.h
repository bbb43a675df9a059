#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/StreamSocket.h>

namespace cpe::http {

// Serves the requests of one connection until it ends: Poco 1.11's
// HTTPServerConnection::run with the same session, request, response and
// error answers, but waiting for each request with one poll(2). Poco's
// Socket::poll builds an epoll set per call (epoll_create, epoll_ctl,
// epoll_wait, close) before every keep-alive request: 20% of the host's CPU
// under load (perf).
void serveRequests(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
                   Poco::Net::HTTPRequestHandlerFactory& factory);

}  // namespace cpe::http
