#pragma once

// Clang's thread-safety attributes (LevelDB port/thread_annotations.h): a
// clang -Wthread-safety build checks them; other compilers ignore them.
#if defined(__clang__)
#define CPE_GUARDED_BY(x) __attribute__((guarded_by(x)))
#else
#define CPE_GUARDED_BY(x)
#endif
