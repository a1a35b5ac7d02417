/* Constants of the native format shared by its reader and writer; the
 * layout itself is documented in docs/file-format.md. */
#ifndef LUTORCH_IO_NATIVE_H
#define LUTORCH_IO_NATIVE_H

#include "lutorch/dtype.h"

#define LT_NATIVE_MAGIC "\x89LUTORCH\r\n\x1a\n"
#define LT_NATIVE_MAGIC_LEN 12
#define LT_NATIVE_HEADER_LEN 16 /* magic, u16 major, u16 minor */
#define LT_NATIVE_RECORD_HEAD 9 /* u8 kind, u64 payload length */
#define LT_NATIVE_END_LEN 13    /* end record: head + u32 crc */
#define LT_NATIVE_MAX_NAME 256  /* class names */

enum {
  REC_STORAGE = 1,
  REC_TENSOR = 2,
  REC_TABLE = 3,
  REC_OBJECT = 4,
  REC_ENTRIES = 5,
  REC_ROOT = 6,
  REC_END = 255
};

enum { VAL_NIL, VAL_FALSE, VAL_TRUE, VAL_NUMBER, VAL_STRING, VAL_REF, VAL_NTAGS };

/* a tensor record's flags (format 1.1 and later) */
enum { TENSOR_REQUIRES_GRAD = 1, TENSOR_FLAGS_KNOWN = 1 };

/* dtype codes on disk: fixed forever, independent of lt_dtype's order */
static const lt_dtype native_dtypes[] = {LT_FLOAT32, LT_FLOAT64, LT_INT64, LT_INT32,
                                         LT_INT16,   LT_INT8,    LT_UINT8, LT_BOOL,
                                         LT_FLOAT16, LT_BFLOAT16};
#define NATIVE_NDTYPES ((int)(sizeof native_dtypes / sizeof native_dtypes[0]))

static inline int native_dtype_code(lt_dtype d) {
  for (int i = 0; i < NATIVE_NDTYPES; i++)
    if (native_dtypes[i] == d) return i;
  return -1;
}

#endif
