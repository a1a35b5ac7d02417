/* im2col / col2im for 1-, 2- and 3-D convolutions (a 1-D or 2-D one is a
 * 3-D one with leading sizes 1).
 *
 * Layout: the image is (C, I0, I1, I2) contiguous; the column buffer is
 * (C·k0·k1·k2) rows × (O0·O1·O2) columns, row (c, a, b, e) holding, for
 * every output position o, the image value under kernel tap (a, b, e):
 * image[c, o0·s0 - p0 + a·d0, o1·s1 - p1 + b·d1, o2·s2 - p2 + e·d2],
 * or 0 in the padding. A convolution is then one gemm of the weight
 * (Cout × C·k) by that buffer. col2im adds the columns back (the adjoint).
 *
 * Both go through a zero-padded copy of the image (C, I0+2p0, I1+2p1,
 * I2+2p2), which is small (it is one sample) and stays in L1/L2: every
 * tap then reads inside it, so the inner loop is one unconditional run of
 * O2 elements (contiguous when s2 = 1) with no bounds tests and no
 * zero-filling of the padding. Short runs (a 14-wide feature map) made
 * the former memcpy/memset per run cost as much as the data moved. */
#ifndef LUTORCH_OPS_NN_IM2COL_H
#define LUTORCH_OPS_NN_IM2COL_H

#include <stdint.h>
#include <string.h>

#include "lutorch/dtype.h"

typedef struct nn_geom {
  int64_t C;     /* image channels */
  int64_t im[3]; /* image sizes */
  int64_t co[3]; /* column-side (convolution output) sizes */
  int64_t k[3], s[3], p[3], d[3];
} nn_geom;

static inline int nn_geom_padded(const nn_geom *g) {
  return g->p[0] || g->p[1] || g->p[2];
}

/* Elements of the padded-image scratch (0 when there is no padding). */
static inline int64_t nn_pad_size(const nn_geom *g) {
  if (!nn_geom_padded(g)) return 0;
  return g->C * (g->im[0] + 2 * g->p[0]) * (g->im[1] + 2 * g->p[1]) * (g->im[2] + 2 * g->p[2]);
}

/* GCC would turn the short copy loops back into memcpy/memset calls,
 * which is what they are here to avoid. */
#if defined(__GNUC__) && !defined(__clang__)
#define NN_NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define NN_NO_LIBCALLS
#endif

#define NN_IM2COL(S, T)                                                                        \
  /* pad (C, P0, P1, P2) = img with a zero border */                                           \
  static NN_NO_LIBCALLS void nn_pad_in_##S(const T *img, T *pad, const nn_geom *g) {           \
    const int64_t P0 = g->im[0] + 2 * g->p[0], P1 = g->im[1] + 2 * g->p[1];                    \
    const int64_t P2 = g->im[2] + 2 * g->p[2], I2 = g->im[2];                                  \
    memset(pad, 0, sizeof(T) * (size_t)(g->C * P0 * P1 * P2));                                \
    for (int64_t c = 0; c < g->C; c++)                                                         \
      for (int64_t i0 = 0; i0 < g->im[0]; i0++)                                                \
        for (int64_t i1 = 0; i1 < g->im[1]; i1++) {                                            \
          const T *s = img + ((c * g->im[0] + i0) * g->im[1] + i1) * I2;                       \
          T *d = pad + ((c * P0 + i0 + g->p[0]) * P1 + i1 + g->p[1]) * P2 + g->p[2];           \
          for (int64_t i = 0; i < I2; i++) d[i] = s[i];                                        \
        }                                                                                      \
  }                                                                                            \
  /* img = the inside of pad (the border is dropped) */                                        \
  static NN_NO_LIBCALLS void nn_pad_out_##S(const T *pad, T *img, const nn_geom *g) {          \
    const int64_t P0 = g->im[0] + 2 * g->p[0], P1 = g->im[1] + 2 * g->p[1];                    \
    const int64_t P2 = g->im[2] + 2 * g->p[2], I2 = g->im[2];                                  \
    for (int64_t c = 0; c < g->C; c++)                                                         \
      for (int64_t i0 = 0; i0 < g->im[0]; i0++)                                                \
        for (int64_t i1 = 0; i1 < g->im[1]; i1++) {                                            \
          const T *s = pad + ((c * P0 + i0 + g->p[0]) * P1 + i1 + g->p[1]) * P2 + g->p[2];     \
          T *d = img + ((c * g->im[0] + i0) * g->im[1] + i1) * I2;                             \
          for (int64_t i = 0; i < I2; i++) d[i] = s[i];                                        \
        }                                                                                      \
  }                                                                                            \
  /* col = im2col(src), src an image of sizes P (padding already in it) */                     \
  static NN_NO_LIBCALLS void nn_unfold_##S(const T *src, T *col, const nn_geom *g,             \
                                          const int64_t *P) {                                  \
    const int64_t O0 = g->co[0], O1 = g->co[1], O2 = g->co[2];                                 \
    const int64_t s0 = g->s[0], s1 = g->s[1], s2 = g->s[2];                                    \
    T *dst = col;                                                                              \
    for (int64_t c = 0; c < g->C; c++)                                                         \
      for (int64_t a = 0; a < g->k[0]; a++)                                                    \
        for (int64_t b = 0; b < g->k[1]; b++)                                                  \
          for (int64_t e = 0; e < g->k[2]; e++)                                                \
            for (int64_t o0 = 0; o0 < O0; o0++) {                                              \
              const T *r = src + ((c * P[0] + o0 * s0 + a * g->d[0]) * P[1] + b * g->d[1]) *   \
                                     P[2] + e * g->d[2];                                       \
              for (int64_t o1 = 0; o1 < O1; o1++, dst += O2) {                                 \
                const T *q = r + o1 * s1 * P[2];                                               \
                if (s2 == 1)                                                                   \
                  for (int64_t o = 0; o < O2; o++) dst[o] = q[o];                              \
                else                                                                           \
                  for (int64_t o = 0; o < O2; o++) dst[o] = q[o * s2];                         \
              }                                                                                \
            }                                                                                  \
  }                                                                                            \
  /* dst (sizes P, zeroed by the caller) += col2im(col) */                                     \
  static NN_NO_LIBCALLS void nn_fold_##S(const T *col, T *dst, const nn_geom *g,               \
                                        const int64_t *P) {                                    \
    const int64_t O0 = g->co[0], O1 = g->co[1], O2 = g->co[2];                                 \
    const int64_t s0 = g->s[0], s1 = g->s[1], s2 = g->s[2];                                    \
    const T *src = col;                                                                        \
    for (int64_t c = 0; c < g->C; c++)                                                         \
      for (int64_t a = 0; a < g->k[0]; a++)                                                    \
        for (int64_t b = 0; b < g->k[1]; b++)                                                  \
          for (int64_t e = 0; e < g->k[2]; e++)                                                \
            for (int64_t o0 = 0; o0 < O0; o0++) {                                              \
              T *r = dst + ((c * P[0] + o0 * s0 + a * g->d[0]) * P[1] + b * g->d[1]) * P[2] +  \
                     e * g->d[2];                                                              \
              for (int64_t o1 = 0; o1 < O1; o1++, src += O2) {                                 \
                T *q = r + o1 * s1 * P[2];                                                     \
                if (s2 == 1)                                                                   \
                  for (int64_t o = 0; o < O2; o++) q[o] += src[o];                             \
                else                                                                           \
                  for (int64_t o = 0; o < O2; o++) q[o * s2] += src[o];                        \
              }                                                                                \
            }                                                                                  \
  }                                                                                            \
  /* col = im2col(img); pad: nn_pad_size(g) elements of scratch */                             \
  static void nn_im2col_##S(const T *img, T *col, const nn_geom *g, T *pad) {                  \
    int64_t P[3];                                                                              \
    for (int i = 0; i < 3; i++) P[i] = g->im[i] + 2 * g->p[i];                                 \
    if (nn_geom_padded(g)) {                                                                   \
      nn_pad_in_##S(img, pad, g);                                                              \
      img = pad;                                                                               \
    }                                                                                          \
    nn_unfold_##S(img, col, g, P);                                                             \
  }                                                                                            \
  /* img = col2im(col) (overwritten, not added to) */                                          \
  static void nn_col2im_##S(const T *col, T *img, const nn_geom *g, T *pad) {                  \
    int64_t P[3];                                                                              \
    for (int i = 0; i < 3; i++) P[i] = g->im[i] + 2 * g->p[i];                                 \
    T *dst = nn_geom_padded(g) ? pad : img;                                                    \
    memset(dst, 0, sizeof(T) * (size_t)(g->C * P[0] * P[1] * P[2]));                           \
    nn_fold_##S(col, dst, g, P);                                                               \
    if (dst != img) nn_pad_out_##S(pad, img, g);                                               \
  }

NN_IM2COL(f32, float)
NN_IM2COL(f64, double)

static inline void nn_im2col(lt_dtype dt, const void *img, void *col, const nn_geom *g,
                             void *pad) {
  if (dt == LT_FLOAT32)
    nn_im2col_f32(img, col, g, pad);
  else
    nn_im2col_f64(img, col, g, pad);
}
static inline void nn_col2im(lt_dtype dt, const void *col, void *img, const nn_geom *g,
                             void *pad) {
  if (dt == LT_FLOAT32)
    nn_col2im_f32(col, img, g, pad);
  else
    nn_col2im_f64(col, img, g, pad);
}

#endif
