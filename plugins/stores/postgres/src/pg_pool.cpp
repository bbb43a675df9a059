#include "pg_pool.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "cpe/sdk/mutex.h"

namespace cpe::stores::postgres {

Pool::Pool(ConnectionSettings settings, std::vector<PreparedStatement> statements, int size,
           int acquireTimeoutMs)
    : settings_(std::move(settings)),
      statements_(std::move(statements)),
      size_(size),
      acquireTimeoutMs_(acquireTimeoutMs) {
  MutexLock lock(mu_);
  // Never reallocates in giveBack, which must not throw.
  idle_.reserve(static_cast<std::size_t>(size_));
}

// Every Lease is gone by now: the store owns the pool and outlives its calls.
Pool::~Pool() = default;

Result<Pool::Lease> Pool::acquire() {
  std::vector<std::unique_ptr<Connection>> stale;
  std::uint64_t generation = 0;
  {
    MutexLock lock(mu_);
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(acquireTimeoutMs_);
    while (true) {
      takeStaleLocked(stale);
      if (!idle_.empty()) {
        Idle idle = std::move(idle_.back());
        idle_.pop_back();
        lock.unlock();
        stale.clear();
        return Lease(*this, std::move(idle.connection), idle.generation);
      }
      if (open_ < size_) break;
      if (changed_.wait_until(lock.native(), deadline) == std::cv_status::timeout &&
          idle_.empty() && open_ >= size_) {
        return Status::unavailable("postgres: no free connection within " +
                                   std::to_string(acquireTimeoutMs_) + " ms (pool of " +
                                   std::to_string(size_) + ")");
      }
    }
    ++open_;
    generation = generation_;
  }
  stale.clear();
  // Connected outside the lock: a slow connect must not hold up callers that
  // could take an idle connection meanwhile.
  auto opened = Connection::open(settings_, statements_);
  if (!opened.isOk()) {
    {
      MutexLock lock(mu_);
      --open_;
    }
    changed_.notify_one();
    return opened.status();
  }
  return Lease(*this, std::move(opened).value(), generation);
}

void Pool::giveBack(std::unique_ptr<Connection> connection, std::uint64_t generation) noexcept {
  bool serverLost = false;
  {
    MutexLock lock(mu_);
    if (!connection->isReusable()) {
      serverLost = true;
      generation_ = std::max(generation_, generation + 1);
      --open_;
    } else if (generation < generation_) {
      --open_;
    } else {
      // Never reallocates: capacity is the pool's size.
      idle_.push_back(Idle{std::move(connection), generation});
    }
  }
  // One connection back (or one slot to open) serves one waiter: waking
  // them all would have every API thread fight for the lock at each
  // return. A lost server makes every idle connection stale, a slot each.
  if (serverLost) {
    changed_.notify_all();
  } else {
    changed_.notify_one();
  }
  // A connection not kept closes here, outside the lock.
}

void Pool::takeStaleLocked(std::vector<std::unique_ptr<Connection>>& stale) {
  for (auto it = idle_.begin(); it != idle_.end();) {
    if (it->generation < generation_) {
      stale.push_back(std::move(it->connection));
      it = idle_.erase(it);
      --open_;
    } else {
      ++it;
    }
  }
}

}  // namespace cpe::stores::postgres
