/* Macros that stamp out the per-dtype 1-D loops of elementwise ops.
 *
 * A loop body is an expression in x (and y, z for binary/ternary ops) of
 * C type T, with the op's scalar parameters as P0..P3 (converted to T,
 * through the typedef elem_t each loop declares).
 * Each loop has a contiguous branch the compiler vectorises, a branch for a
 * broadcast scalar operand, and a general strided branch. <tgmath.h> makes
 * exp(x) etc. pick expf for float and exp for double. */
#ifndef LUTORCH_OPS_LOOPS_H
#define LUTORCH_OPS_LOOPS_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <tgmath.h>

#include "lutorch/op.h"

#define P0 ((elem_t)prm[0])
#define P1 ((elem_t)prm[1])
#define P2 ((elem_t)prm[2])
#define P3 ((elem_t)prm[3])

#define AT(k, T) (*(T *)(p[k] + i * s[k]))

/* Opens every loop's function (each macro below closes it): the lt_loop1d
 * signature, and the elem_t and prm that P0..P3 read. */
#define LOOP_BEGIN(NAME, S, T)                                                 \
  static void NAME##_##S(char **p, const int64_t *s, int64_t n, const void *c) { \
    typedef T elem_t;                                                          \
    const double *prm = c;                                                     \
    (void)prm;

#define UNARY_LOOP(NAME, S, T, OT, EXPR)                                       \
  LOOP_BEGIN(NAME, S, T)                                                       \
    if (s[0] == sizeof(OT) && s[1] == sizeof(T)) {                             \
      OT *o = (OT *)p[0];                                                      \
      const T *a = (const T *)p[1];                                            \
      for (int64_t i = 0; i < n; i++) {                                        \
        T x = a[i];                                                            \
        o[i] = (OT)(EXPR);                                                     \
      }                                                                        \
    } else {                                                                   \
      for (int64_t i = 0; i < n; i++) {                                        \
        T x = AT(1, T);                                                        \
        AT(0, OT) = (OT)(EXPR);                                                \
      }                                                                        \
    }                                                                          \
  }

#define BINARY_LOOP(NAME, S, T, OT, EXPR)                                      \
  LOOP_BEGIN(NAME, S, T)                                                       \
    if (s[0] == sizeof(OT) && s[1] == sizeof(T) && s[2] == sizeof(T)) {        \
      OT *o = (OT *)p[0];                                                      \
      const T *a = (const T *)p[1], *b = (const T *)p[2];                      \
      for (int64_t i = 0; i < n; i++) {                                        \
        T x = a[i], y = b[i];                                                  \
        o[i] = (OT)(EXPR);                                                     \
      }                                                                        \
    } else if (s[0] == sizeof(OT) && s[1] == sizeof(T) && s[2] == 0) {         \
      OT *o = (OT *)p[0];                                                      \
      const T *a = (const T *)p[1], y = *(const T *)p[2];                      \
      for (int64_t i = 0; i < n; i++) {                                        \
        T x = a[i];                                                            \
        o[i] = (OT)(EXPR);                                                     \
      }                                                                        \
    } else if (s[0] == sizeof(OT) && s[1] == 0 && s[2] == sizeof(T)) {         \
      OT *o = (OT *)p[0];                                                      \
      const T x = *(const T *)p[1], *b = (const T *)p[2];                      \
      for (int64_t i = 0; i < n; i++) {                                        \
        T y = b[i];                                                            \
        o[i] = (OT)(EXPR);                                                     \
      }                                                                        \
    } else {                                                                   \
      for (int64_t i = 0; i < n; i++) {                                        \
        T x = AT(1, T), y = AT(2, T);                                          \
        AT(0, OT) = (OT)(EXPR);                                                \
      }                                                                        \
    }                                                                          \
  }

#define TERNARY_LOOP(NAME, S, T, OT, EXPR)                                     \
  LOOP_BEGIN(NAME, S, T)                                                       \
    for (int64_t i = 0; i < n; i++) {                                          \
      T x = AT(1, T), y = AT(2, T), z = AT(3, T);                              \
      AT(0, OT) = (OT)(EXPR);                                                  \
    }                                                                          \
  }

/* Loops for every dtype of a class: F = float32/64, I = integers (no bool),
 * B = bool. Each stamps NAME_f32 ... with output type OT (same or bool). */
#define LOOPS_F(KIND, NAME, EXPR)      \
  KIND(NAME, f32, float, float, EXPR)  \
  KIND(NAME, f64, double, double, EXPR)
#define LOOPS_I(KIND, NAME, EXPR)           \
  KIND(NAME, i64, int64_t, int64_t, EXPR)   \
  KIND(NAME, i32, int32_t, int32_t, EXPR)   \
  KIND(NAME, i16, int16_t, int16_t, EXPR)   \
  KIND(NAME, i8, int8_t, int8_t, EXPR)      \
  KIND(NAME, u8, uint8_t, uint8_t, EXPR)
#define LOOPS_B(KIND, NAME, EXPR) KIND(NAME, b8, bool, bool, EXPR)

/* The same, with a bool output (comparisons, predicates). */
#define LOOPS_F_TO_B(KIND, NAME, EXPR) \
  KIND(NAME, f32, float, bool, EXPR)   \
  KIND(NAME, f64, double, bool, EXPR)
#define LOOPS_I_TO_B(KIND, NAME, EXPR)   \
  KIND(NAME, i64, int64_t, bool, EXPR)   \
  KIND(NAME, i32, int32_t, bool, EXPR)   \
  KIND(NAME, i16, int16_t, bool, EXPR)   \
  KIND(NAME, i8, int8_t, bool, EXPR)     \
  KIND(NAME, u8, uint8_t, bool, EXPR)

/* Table initialisers matching the stamps above. */
#define ENTRIES_F(NAME) [LT_FLOAT32] = NAME##_f32, [LT_FLOAT64] = NAME##_f64,
#define ENTRIES_I(NAME)                                                                \
  [LT_INT64] = NAME##_i64, [LT_INT32] = NAME##_i32, [LT_INT16] = NAME##_i16,             \
  [LT_INT8] = NAME##_i8, [LT_UINT8] = NAME##_u8,
#define ENTRIES_B(NAME) [LT_BOOL] = NAME##_b8,

#endif
