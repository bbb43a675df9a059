#pragma once

#include <mutex>
#include <shared_mutex>

#include "cpe/sdk/thread_annotations.h"

namespace cpe {

// A std::mutex that clang's thread-safety analysis knows (LevelDB
// port::Mutex, Abseil Mutex): data marked CPE_GUARDED_BY(mutex_) is then
// checked to be touched only with it held. Take it with MutexLock.
class CPE_CAPABILITY("mutex") Mutex final {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() CPE_ACQUIRE() { mutex_.lock(); }
  void unlock() CPE_RELEASE() { mutex_.unlock(); }
  // Tells the analysis the caller holds this mutex where it cannot see it
  // (a callback run under the lock); checks nothing at run time.
  void assertHeld() const CPE_ASSERT_CAPABILITY(this) {}

 private:
  friend class MutexLock;
  std::mutex mutex_;
};

// Holds a Mutex for its scope (std::unique_lock for a cpe::Mutex).
//
// Condition variables: wait on a std::condition_variable with native(), and
// mark the predicate CPE_REQUIRES(mutex_), since it runs with the mutex held:
//   MutexLock lock(mutex_);
//   ready_.wait(lock.native(), [this]() CPE_REQUIRES(mutex_) { return done_; });
// The wait releases and retakes the mutex inside; to the analysis it stays
// held, which is true of every line of ours around it.
class CPE_SCOPED_CAPABILITY MutexLock final {
 public:
  explicit MutexLock(Mutex& mutex) CPE_ACQUIRE(mutex) : lock_(mutex.mutex_) {}
  ~MutexLock() CPE_RELEASE() {}
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  // Lets go of the mutex before the scope ends (to notify or call out
  // without it), and takes it back.
  void unlock() CPE_RELEASE() { lock_.unlock(); }
  void lock() CPE_ACQUIRE() { lock_.lock(); }

  // For std::condition_variable's wait functions only.
  std::unique_lock<std::mutex>& native() { return lock_; }

 private:
  std::unique_lock<std::mutex> lock_;
};

// A std::shared_mutex the analysis knows: readers share it (ReaderMutexLock),
// a writer holds it alone (WriterMutexLock). Data CPE_GUARDED_BY it is read
// under either and written only under the writer's lock.
class CPE_CAPABILITY("shared mutex") SharedMutex final {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void lock() CPE_ACQUIRE() { mutex_.lock(); }
  void unlock() CPE_RELEASE() { mutex_.unlock(); }
  void lockShared() CPE_ACQUIRE_SHARED() { mutex_.lock_shared(); }
  void unlockShared() CPE_RELEASE_SHARED() { mutex_.unlock_shared(); }

 private:
  std::shared_mutex mutex_;
};

// Holds a SharedMutex alone for its scope.
class CPE_SCOPED_CAPABILITY WriterMutexLock final {
 public:
  explicit WriterMutexLock(SharedMutex& mutex) CPE_ACQUIRE(mutex) : mutex_(mutex) { mutex_.lock(); }
  ~WriterMutexLock() CPE_RELEASE() { mutex_.unlock(); }
  WriterMutexLock(const WriterMutexLock&) = delete;
  WriterMutexLock& operator=(const WriterMutexLock&) = delete;

 private:
  SharedMutex& mutex_;
};

// Holds a reader's share of a SharedMutex for its scope.
class CPE_SCOPED_CAPABILITY ReaderMutexLock final {
 public:
  explicit ReaderMutexLock(SharedMutex& mutex) CPE_ACQUIRE_SHARED(mutex) : mutex_(mutex) {
    mutex_.lockShared();
  }
  ~ReaderMutexLock() CPE_RELEASE() { mutex_.unlockShared(); }
  ReaderMutexLock(const ReaderMutexLock&) = delete;
  ReaderMutexLock& operator=(const ReaderMutexLock&) = delete;

 private:
  SharedMutex& mutex_;
};

}  // namespace cpe
