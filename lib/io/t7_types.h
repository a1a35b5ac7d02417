/* Torch7's class names for tensors and storages, shared by the .t7 reader
 * and writer. CUDA types load as their CPU counterparts (CudaTensor is
 * float32). */
#ifndef LUTORCH_IO_T7_TYPES_H
#define LUTORCH_IO_T7_TYPES_H

#include <string.h>

#include "lutorch/dtype.h"

enum { T7_NIL = 0, T7_NUMBER = 1, T7_STRING = 2, T7_TABLE = 3, T7_TORCH = 4, T7_BOOLEAN = 5,
       T7_FUNCTION = 6, T7_LEGACY_RECUR_FUNCTION = 7, T7_RECUR_FUNCTION = 8 };

typedef struct t7_type {
  const char *prefix; /* "Float" in torch.FloatTensor / torch.CudaTensor */
  lt_dtype dtype;
} t7_type;

static const t7_type t7_types[] = {
    {"Float", LT_FLOAT32}, {"Double", LT_FLOAT64}, {"Long", LT_INT64},  {"Int", LT_INT32},
    {"Short", LT_INT16},   {"Char", LT_INT8},      {"Byte", LT_UINT8},  {"Half", LT_FLOAT16},
    {"", LT_FLOAT32}, /* torch.CudaTensor */
};
#define T7_NTYPES ((int)(sizeof t7_types / sizeof t7_types[0]))

/* Is name "torch.[Cuda]<Prefix><suffix>"? suffix is "Tensor" or "Storage". */
static inline int t7_match(const char *name, size_t len, const char *suffix, lt_dtype *out) {
  if (len < 6 || memcmp(name, "torch.", 6) != 0) return 0;
  name += 6;
  len -= 6;
  int cuda = len >= 4 && memcmp(name, "Cuda", 4) == 0;
  if (cuda) {
    name += 4;
    len -= 4;
  }
  size_t sl = strlen(suffix);
  for (int i = 0; i < T7_NTYPES; i++) {
    size_t pl = strlen(t7_types[i].prefix);
    if (!cuda && pl == 0) continue;
    if (len == pl + sl && memcmp(name, t7_types[i].prefix, pl) == 0 &&
        memcmp(name + pl, suffix, sl) == 0) {
      *out = t7_types[i].dtype;
      return 1;
    }
  }
  return 0;
}

#endif
