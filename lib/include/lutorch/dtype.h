/* Element types and devices. */
#ifndef LUTORCH_DTYPE_H
#define LUTORCH_DTYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum lt_dtype {
  LT_FLOAT32,
  LT_FLOAT64,
  LT_INT64,
  LT_INT32,
  LT_INT16,
  LT_INT8,
  LT_UINT8,
  LT_BOOL,
  LT_FLOAT16,  /* storage only on the CPU: convert to compute */
  LT_BFLOAT16, /* storage only on the CPU: convert to compute */
  LT_NDTYPES
} lt_dtype;

/* Half-precision values are stored as their 16 raw bits. */
typedef uint16_t lt_half;
typedef uint16_t lt_bfloat16;

/* X-macro over the dtypes CPU kernels compute in:
 * X(enum, C type, short name). float16/bfloat16 are converted, never computed. */
#define LT_FOREACH_COMPUTE_DTYPE(X) \
  X(LT_FLOAT32, float, f32)         \
  X(LT_FLOAT64, double, f64)        \
  X(LT_INT64, int64_t, i64)         \
  X(LT_INT32, int32_t, i32)         \
  X(LT_INT16, int16_t, i16)         \
  X(LT_INT8, int8_t, i8)            \
  X(LT_UINT8, uint8_t, u8)          \
  X(LT_BOOL, bool, b8)

#define LT_FOREACH_FLOAT_DTYPE(X) \
  X(LT_FLOAT32, float, f32)       \
  X(LT_FLOAT64, double, f64)

size_t lt_dtype_size(lt_dtype t);
const char *lt_dtype_name(lt_dtype t);         /* "float32" */
bool lt_dtype_from_name(const char *name, lt_dtype *out);
bool lt_dtype_is_float(lt_dtype t);             /* float32/64/16, bfloat16 */
bool lt_dtype_is_signed(lt_dtype t);
lt_dtype lt_dtype_promote(lt_dtype a, lt_dtype b); /* result type of a op b */

float lt_half_to_float(lt_half h);
lt_half lt_float_to_half(float f);
float lt_bf16_to_float(lt_bfloat16 h);
lt_bfloat16 lt_float_to_bf16(float f);

/* Read / write one element of any dtype as a double (slow path; for
 * scalars, printing and conversions of small things). */
double lt_dtype_load(lt_dtype t, const void *p);
void lt_dtype_store(lt_dtype t, void *p, double v);

typedef enum lt_device_type { LT_CPU = 0, LT_CUDA = 1 } lt_device_type;

typedef struct lt_device {
  lt_device_type type;
  int index; /* GPU ordinal; 0 on the CPU */
} lt_device;

#endif
