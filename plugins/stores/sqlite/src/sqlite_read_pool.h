#pragma once

#include <condition_variable>
#include <memory>
#include <utility>
#include <vector>

#include "cpe/sdk/mutex.h"
#include "cpe/sdk/thread_annotations.h"
#include "sqlite_database.h"

namespace cpe::stores::sqlite {

// Read connections, lent one at a time to a thread.
//
// Thread rule: thread-safe; a Lease, and the connection it lends, belong to
// the thread that acquired it until the Lease is destroyed.
class ReadPool final {
 public:
  class Lease final {
   public:
    Lease(ReadPool& pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    ~Lease() { pool_.giveBack(std::move(connection_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Connection& operator*() const { return *connection_; }

   private:
    ReadPool& pool_;
    std::unique_ptr<Connection> connection_;
  };

  explicit ReadPool(std::vector<std::unique_ptr<Connection>> connections)
      : free_(std::move(connections)) {}

  // Waits for a free connection: callers outnumbering the pool queue here
  // rather than opening more files.
  Lease acquire() {
    MutexLock lock(mu_);
    available_.wait(lock.native(), [this]() CPE_REQUIRES(mu_) { return !free_.empty(); });
    std::unique_ptr<Connection> connection = std::move(free_.back());
    free_.pop_back();
    return Lease(*this, std::move(connection));
  }

 private:
  void giveBack(std::unique_ptr<Connection> connection) noexcept {
    {
      MutexLock lock(mu_);
      // Never reallocates: capacity was the pool's size from the start.
      free_.push_back(std::move(connection));
    }
    available_.notify_one();
  }

  Mutex mu_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> free_ CPE_GUARDED_BY(mu_);
};

}  // namespace cpe::stores::sqlite
