/* dtype facts, promotion and the slow scalar load/store path. */
#include "lutorch/dtype.h"

#include <math.h>
#include <string.h>

static const struct {
  const char *name;
  size_t size;
  bool is_float, is_signed;
} info[LT_NDTYPES] = {
    [LT_FLOAT32] = {"float32", 4, true, true},  [LT_FLOAT64] = {"float64", 8, true, true},
    [LT_INT64] = {"int64", 8, false, true},     [LT_INT32] = {"int32", 4, false, true},
    [LT_INT16] = {"int16", 2, false, true},     [LT_INT8] = {"int8", 1, false, true},
    [LT_UINT8] = {"uint8", 1, false, false},    [LT_BOOL] = {"bool", 1, false, false},
    [LT_FLOAT16] = {"float16", 2, true, true},  [LT_BFLOAT16] = {"bfloat16", 2, true, true},
};

size_t lt_dtype_size(lt_dtype t) { return info[t].size; }
const char *lt_dtype_name(lt_dtype t) { return (unsigned)t < LT_NDTYPES ? info[t].name : "?"; }
bool lt_dtype_is_float(lt_dtype t) { return info[t].is_float; }
bool lt_dtype_is_signed(lt_dtype t) { return info[t].is_signed; }

bool lt_dtype_from_name(const char *name, lt_dtype *out) {
  for (int i = 0; i < LT_NDTYPES; i++)
    if (strcmp(name, info[i].name) == 0) {
      *out = (lt_dtype)i;
      return true;
    }
  return false;
}

/* Rank used for promotion within a category: wider wins. */
static int int_rank(lt_dtype t) {
  switch (t) {
  case LT_BOOL: return 0;
  case LT_UINT8: return 1;
  case LT_INT8: return 2;
  case LT_INT16: return 3;
  case LT_INT32: return 4;
  case LT_INT64: return 5;
  default: return -1;
  }
}

static int float_rank(lt_dtype t) {
  switch (t) {
  case LT_FLOAT16: return 0;
  case LT_BFLOAT16: return 1;
  case LT_FLOAT32: return 2;
  case LT_FLOAT64: return 3;
  default: return -1;
  }
}

/* PyTorch's rules, simplified: float beats int; within a kind the wider
 * wins; uint8 with int8 gives int16; float16 with bfloat16 gives float32. */
lt_dtype lt_dtype_promote(lt_dtype a, lt_dtype b) {
  if (a == b) return a;
  bool fa = info[a].is_float, fb = info[b].is_float;
  if (fa && !fb) return a;
  if (fb && !fa) return b;
  if (fa) {
    if ((a == LT_FLOAT16 && b == LT_BFLOAT16) || (a == LT_BFLOAT16 && b == LT_FLOAT16))
      return LT_FLOAT32;
    return float_rank(a) > float_rank(b) ? a : b;
  }
  if ((a == LT_UINT8 && b == LT_INT8) || (a == LT_INT8 && b == LT_UINT8)) return LT_INT16;
  return int_rank(a) > int_rank(b) ? a : b;
}

/* IEEE half <-> float, round to nearest even. */
float lt_half_to_float(lt_half h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else { /* subnormal: normalise */
      exp = 127 - 15 + 1;
      while (!(man & 0x400)) {
        man <<= 1;
        exp--;
      }
      bits = sign | (exp << 23) | ((man & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000 | (man << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
  }
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

lt_half lt_float_to_half(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000;
  int32_t exp = (int32_t)((x >> 23) & 0xff) - 127 + 15;
  uint32_t man = x & 0x7fffff;
  if (((x >> 23) & 0xff) == 0xff) return (lt_half)(sign | 0x7c00 | (man ? 0x200 : 0));
  if (exp >= 31) return (lt_half)(sign | 0x7c00);
  if (exp <= 0) {
    if (exp < -10) return (lt_half)sign;
    man |= 0x800000;
    int shift = 14 - exp;
    uint32_t half_man = man >> shift, rem = man & ((1u << shift) - 1), mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half_man & 1))) half_man++;
    return (lt_half)(sign | half_man);
  }
  uint32_t h = sign | ((uint32_t)exp << 10) | (man >> 13), rem = man & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) h++; /* may carry into exp: correct */
  return (lt_half)h;
}

float lt_bf16_to_float(lt_bfloat16 h) {
  uint32_t bits = (uint32_t)h << 16;
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

lt_bfloat16 lt_float_to_bf16(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  if ((x & 0x7fffffff) > 0x7f800000) return (lt_bfloat16)((x >> 16) | 0x40); /* quiet NaN */
  x += 0x7fff + ((x >> 16) & 1);
  return (lt_bfloat16)(x >> 16);
}

double lt_dtype_load(lt_dtype t, const void *p) {
  switch (t) {
  case LT_FLOAT32: return *(const float *)p;
  case LT_FLOAT64: return *(const double *)p;
  case LT_INT64: return (double)*(const int64_t *)p;
  case LT_INT32: return *(const int32_t *)p;
  case LT_INT16: return *(const int16_t *)p;
  case LT_INT8: return *(const int8_t *)p;
  case LT_UINT8: return *(const uint8_t *)p;
  case LT_BOOL: return *(const bool *)p;
  case LT_FLOAT16: return lt_half_to_float(*(const lt_half *)p);
  case LT_BFLOAT16: return lt_bf16_to_float(*(const lt_bfloat16 *)p);
  default: return 0;
  }
}

/* Float to integer conversion truncates toward zero, as C and Torch7 do;
 * out-of-range and NaN values are clamped/zeroed instead of being UB. */
static int64_t to_int(double v, double lo, double hi) {
  if (v != v) return 0;
  if (v <= lo) return (int64_t)lo;
  if (v >= hi) return (int64_t)hi;
  return (int64_t)v;
}

void lt_dtype_store(lt_dtype t, void *p, double v) {
  switch (t) {
  case LT_FLOAT32: *(float *)p = (float)v; break;
  case LT_FLOAT64: *(double *)p = v; break;
  case LT_INT64: *(int64_t *)p = to_int(v, -9223372036854775808.0, 9223372036854774784.0); break;
  case LT_INT32: *(int32_t *)p = (int32_t)to_int(v, INT32_MIN, INT32_MAX); break;
  case LT_INT16: *(int16_t *)p = (int16_t)to_int(v, INT16_MIN, INT16_MAX); break;
  case LT_INT8: *(int8_t *)p = (int8_t)to_int(v, INT8_MIN, INT8_MAX); break;
  case LT_UINT8: *(uint8_t *)p = (uint8_t)to_int(v, 0, UINT8_MAX); break;
  case LT_BOOL: *(bool *)p = v != 0; break;
  case LT_FLOAT16: *(lt_half *)p = lt_float_to_half((float)v); break;
  case LT_BFLOAT16: *(lt_bfloat16 *)p = lt_float_to_bf16((float)v); break;
  default: break;
  }
}
