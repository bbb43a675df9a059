#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/URI.h>

#include <chrono>
#include <memory>
#include <string>

#include "cpe/sdk/mutex.h"
#include "cpe/sdk/task.h"
#include "host_options.h"
#include "worker/call_deadlines.h"
#include "worker/provisioning_caller.h"

namespace cpe::host {

// Calls service A (POST /api/v1/equipment/cpe/{id}) for one task over HTTPS,
// verifying A's certificate against the configured CA.
//
// Thread rule: one instance per worker thread; it keeps that thread's
// connection to A alive between calls (idle at most idleConnectionReuse). abort() may be called
// from another thread to cut a call short (shutdown). A call is cut by shutting its socket down,
// never by closing it: the worker thread, inside SSL_read on it, sees the connection end and closes
// it itself, so no other thread ever frees what it is using, nor can the descriptor's number be
// reused under it.
class ProvisioningClient final : public ProvisioningCaller {
 public:
  // `deadlines` bounds whole calls; it must outlive the client.
  ProvisioningClient(const WorkerOptions& options, Poco::Net::Context::Ptr tls,
                     CallDeadlines& deadlines);

  // `timeout` bounds the whole call, and each network wait within it.
  CallOutcome call(const Task& task, std::chrono::milliseconds timeout) override;
  void abort() noexcept override;

 private:
  std::unique_ptr<Poco::Net::HTTPClientSession> newSession(std::chrono::milliseconds timeout) const;
  CallOutcome exchange(Poco::Net::HTTPClientSession& session, const Task& task);
  // Ends the connection's traffic both ways; the calling thread closes it.
  void shutDownSocketLocked() noexcept CPE_REQUIRES(sessionMutex_);
  void cutShort() noexcept;  // the call outlasted its timeout

  using Clock = std::chrono::steady_clock;

  const Poco::URI base_;
  Poco::Net::Context::Ptr tls_;                // null for plain HTTP
  const std::chrono::milliseconds idleReuse_;  // WorkerOptions::idleConnectionReuse
  // Guards the session against abort() from another thread.
  Mutex sessionMutex_;
  std::unique_ptr<Poco::Net::HTTPClientSession> session_ CPE_GUARDED_BY(sessionMutex_);
  std::chrono::milliseconds sessionTimeout_ CPE_GUARDED_BY(sessionMutex_){0};
  Clock::time_point lastAnswer_ CPE_GUARDED_BY(sessionMutex_);  // the session's, if any
  bool aborted_ CPE_GUARDED_BY(sessionMutex_) = false;
  bool cutShort_ CPE_GUARDED_BY(sessionMutex_) = false;  // this call only
  CallDeadlines& deadlines_;
};

// The TLS context workers use to reach A: TLS 1.2 minimum, the configured CA,
// strict verification (host name included) unless verifyPeer is false.
Poco::Net::Context::Ptr makeClientContext(const WorkerOptions& options);

}  // namespace cpe::host
