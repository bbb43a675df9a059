#pragma once

// Clang's thread-safety attributes (LevelDB port/thread_annotations.h): a
// clang -Wthread-safety build checks them; other compilers ignore them.
#if defined(__clang__)
#define CPE_THREAD_ANNOTATION_(x) __attribute__((x))
#else
#define CPE_THREAD_ANNOTATION_(x)
#endif

// The member is read and written only with `x` held.
#define CPE_GUARDED_BY(x) CPE_THREAD_ANNOTATION_(guarded_by(x))
// The function is called only with `...` held (a *Locked() helper).
#define CPE_REQUIRES(...) CPE_THREAD_ANNOTATION_(exclusive_locks_required(__VA_ARGS__))
