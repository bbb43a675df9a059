#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "cpe/sdk/mutex.h"
#include "cpe/sdk/status.h"
#include "cpe/sdk/thread_annotations.h"
#include "pg_connection.h"

namespace cpe::stores::postgres {

// A bounded pool of connections, opened on demand. A connection found broken
// (lost, or left inside a transaction) is closed when given back instead of
// lent again, and so are the idle ones opened before it, which a server
// restart has broken too; later calls open fresh ones. No call ever blocks on
// a reconnect loop: a connect that fails answers kUnavailable at once.
//
// Thread rule: thread-safe; a Lease, and the connection it lends, belong to
// the thread that acquired it until the Lease is destroyed.
class Pool final {
 public:
  class Lease final {
   public:
    Lease(Pool& pool, std::unique_ptr<Connection> connection, std::uint64_t generation)
        : pool_(&pool), connection_(std::move(connection)), generation_(generation) {}
    Lease(Lease&& other) noexcept
        : pool_(other.pool_),
          connection_(std::move(other.connection_)),
          generation_(other.generation_) {}
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (connection_ != nullptr) pool_->giveBack(std::move(connection_), generation_);
    }
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> connection_;
    std::uint64_t generation_;
  };

  Pool(ConnectionSettings settings, std::vector<PreparedStatement> statements, int size,
       int acquireTimeoutMs);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // An idle connection, or a new one while fewer than `size` are open;
  // otherwise waits up to the acquire timeout. kUnavailable when none frees
  // up in time or a new connection cannot be opened.
  Result<Lease> acquire();

 private:
  struct Idle {
    std::unique_ptr<Connection> connection;
    std::uint64_t generation;
  };

  void giveBack(std::unique_ptr<Connection> connection, std::uint64_t generation) noexcept;
  // Moves idle connections older than the current generation to `stale`, to
  // be closed once the lock is released (closing may wait on the network).
  void takeStaleLocked(std::vector<std::unique_ptr<Connection>>& stale) CPE_REQUIRES(mu_);

  const ConnectionSettings settings_;
  const std::vector<PreparedStatement> statements_;
  const int size_;
  const int acquireTimeoutMs_;

  Mutex mu_;
  std::condition_variable changed_;
  std::vector<Idle> idle_ CPE_GUARDED_BY(mu_);
  int open_ CPE_GUARDED_BY(mu_) = 0;  // idle and lent
  // Raised when a broken connection comes back: every connection opened
  // before is suspect.
  std::uint64_t generation_ CPE_GUARDED_BY(mu_) = 0;
};

}  // namespace cpe::stores::postgres
