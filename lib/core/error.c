/* Thread-local error message (see error.h). */
#include "lutorch/error.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char message[1024];

static void set_message(const char *fmt, va_list ap) {
  vsnprintf(message, sizeof message, fmt, ap);
}

void *lt_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  set_message(fmt, ap);
  va_end(ap);
  return NULL;
}

int lt_errorf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  set_message(fmt, ap);
  va_end(ap);
  return -1;
}

const char *lt_last_error(void) { return message[0] ? message : "unknown error"; }

void lt_clear_error(void) { message[0] = 0; }
