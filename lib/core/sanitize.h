/* SANITIZED: 1 when built under AddressSanitizer (GCC's
 * __SANITIZE_ADDRESS__ or clang's __has_feature), else 0. Internal: the
 * allocator (alloc.c) takes large blocks from aligned_alloc there, since
 * AddressSanitizer cannot see inside blocks it maps and recycles, and
 * test/c/test_alloc.c skips its checks of that cache; one definition, so
 * the two cannot disagree. */
#ifndef LUTORCH_CORE_SANITIZE_H
#define LUTORCH_CORE_SANITIZE_H

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

#endif
