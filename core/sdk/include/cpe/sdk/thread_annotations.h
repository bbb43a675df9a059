#pragma once

// Clang's thread-safety attributes (LevelDB port/thread_annotations.h, Abseil
// base/thread_annotations.h): a clang -Wthread-safety build checks them
// (deploy/ci/thread-safety.sh); other compilers ignore them. They check
// nothing on std::mutex, which libstdc++ does not annotate: guard data with
// cpe::Mutex (cpe/sdk/mutex.h).
#if defined(__clang__)
#define CPE_THREAD_ANNOTATION_(x) __attribute__((x))
#else
#define CPE_THREAD_ANNOTATION_(x)
#endif

// The class is a lock (cpe::Mutex); `x` names its kind in messages.
#define CPE_CAPABILITY(x) CPE_THREAD_ANNOTATION_(capability(x))
// The class holds a lock from construction to destruction (cpe::MutexLock).
#define CPE_SCOPED_CAPABILITY CPE_THREAD_ANNOTATION_(scoped_lockable)

// The member is read and written only with `x` held.
#define CPE_GUARDED_BY(x) CPE_THREAD_ANNOTATION_(guarded_by(x))
// What the pointer points to is read and written only with `x` held.
#define CPE_PT_GUARDED_BY(x) CPE_THREAD_ANNOTATION_(pt_guarded_by(x))
// The function is called only with `...` held (a *Locked() helper).
#define CPE_REQUIRES(...) CPE_THREAD_ANNOTATION_(requires_capability(__VA_ARGS__))
// The function takes `...` (or, on a lock's own method, the lock itself) and
// returns with it held.
#define CPE_ACQUIRE(...) CPE_THREAD_ANNOTATION_(acquire_capability(__VA_ARGS__))
// The function releases `...` (or the lock itself), held on entry.
#define CPE_RELEASE(...) CPE_THREAD_ANNOTATION_(release_capability(__VA_ARGS__))
// As CPE_ACQUIRE and CPE_RELEASE, for a reader's share of a SharedMutex.
#define CPE_ACQUIRE_SHARED(...) CPE_THREAD_ANNOTATION_(acquire_shared_capability(__VA_ARGS__))
#define CPE_RELEASE_SHARED(...) CPE_THREAD_ANNOTATION_(release_shared_capability(__VA_ARGS__))
// The function takes `...` itself: calling it with `...` held would deadlock.
#define CPE_EXCLUDES(...) CPE_THREAD_ANNOTATION_(locks_excluded(__VA_ARGS__))
// The function asserts that the lock is held; the analysis takes it as
// held from there on.
#define CPE_ASSERT_CAPABILITY(x) CPE_THREAD_ANNOTATION_(assert_capability(x))
