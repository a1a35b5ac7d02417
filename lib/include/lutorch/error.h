/* Errors are values: a failing function returns NULL (or -1 / false) and
 * leaves a message in a thread-local buffer. Messages start with the name of
 * the public function that failed, e.g. "mm: size mismatch, m1 is 2x3, m2 is
 * 4x5"; the Lua binding prefixes "torch.". */
#ifndef LUTORCH_ERROR_H
#define LUTORCH_ERROR_H

#if defined(__GNUC__)
#define LT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define LT_PRINTF(a, b)
#endif

/* Set the message; returns NULL so callers can `return lt_error(...)`. */
void *lt_error(const char *fmt, ...) LT_PRINTF(1, 2);
/* Same, returning -1 for int-returning functions. */
int lt_errorf(const char *fmt, ...) LT_PRINTF(1, 2);
const char *lt_last_error(void);
void lt_clear_error(void);

#endif
